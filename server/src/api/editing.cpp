#include "api/editing.hpp"

#include <algorithm>
#include <chrono>
#include <map>
#include <set>

#include "api/codec.hpp"
#include "api/errors.hpp"
#include "api/quality.hpp"
#include "api/snapshot.hpp"
#include "api/ws_api.hpp"
#include "core/log.hpp"
#include "edits/workspace.hpp"
#include "store/edit_store.hpp"

namespace tessera::api {
namespace {

void fill_feature(const store::StoredFeature& f, std::int64_t ox, std::int64_t oy, v1::Feature& out) {
    out.set_id(f.id);
    out.set_version(static_cast<std::uint32_t>(f.version));
    out.set_code_cs(f.code_cs);
    out.set_code_us(f.code_us);
    out.set_reviewed(f.reviewed);
    out.set_updated_at_ms(f.updated_at_ms);
    out.set_author(f.author);
    if (!f.pred_cs.empty() || f.pred_confidence) {
        auto* p = out.mutable_prediction();
        p->set_code_cs(f.pred_cs);
        p->set_code_us(f.pred_us);
        if (f.pred_confidence) p->set_confidence(*f.pred_confidence);
    }
    if (auto rings = geo::polygon_from_wkb(f.wkb)) encode_polygon(*rings, ox, oy, *out.mutable_geometry());
}

// The aspect an operation changes, for optimistic merging.
enum Aspect : unsigned { classes = 1, geometry = 2 };

struct Ref {
    std::int64_t id;
    std::uint32_t version;
    unsigned aspects;
    std::string field;
};

struct Failure {
    ErrorKind kind;
    std::string message;
    std::string field;
};

// The bounding box of rings, in metres.
void extend(std::optional<tiles::Box>& box, const geo::RingsCm& rings) {
    for (const auto& ring : rings)
        for (const auto& p : ring) {
            const double x = static_cast<double>(p.x) / 100, y = static_cast<double>(p.y) / 100;
            if (!box) {
                box = tiles::Box{x, y, x, y};
            } else {
                box->min_x = std::min(box->min_x, x);
                box->min_y = std::min(box->min_y, y);
                box->max_x = std::max(box->max_x, x);
                box->max_y = std::max(box->max_y, y);
            }
        }
}

// Decoded operations, ready for the workspace.
struct DecodedOp {
    v1::Op::KindCase kind;
    geo::RingsCm polygon;
    std::vector<geo::PointCm> line;
};

std::optional<Failure> check_codes(const core::Nomenclature& n, const std::string& cs, const std::string& us,
                                   bool allow_empty, const std::string& field) {
    if (!(cs.empty() && allow_empty) && !n.is_leaf_cs(cs))
        return Failure{ErrorKind::invalid_argument, "'" + cs.substr(0, 30) + "' is not a leaf land-cover code", field + ".code_cs"};
    if (!(us.empty() && allow_empty) && !n.is_leaf_us(us))
        return Failure{ErrorKind::invalid_argument, "'" + us.substr(0, 30) + "' is not a leaf land-use code", field + ".code_us"};
    return std::nullopt;
}

}  // namespace

std::string encode_change(const store::TileChangeRecord& change, const std::string& tile, const tiles::Grid& grid,
                          std::uint64_t request_id) {
    std::string why;
    const auto key = tiles::parse_key(tile, &why);
    const auto box = grid.bounds(*key);
    const auto ox = static_cast<std::int64_t>(box.min_x * 100), oy = static_cast<std::int64_t>(box.min_y * 100);
    v1::ServerMessage m;
    m.set_request_id(request_id);
    auto* c = m.mutable_change();
    c->set_tile_key(tile);
    c->set_seq(static_cast<std::uint64_t>(change.seq));
    c->set_change_set_id(change.change_set);
    c->set_author_id(change.author_id);
    c->set_author(change.author);
    c->set_state(tile_state_from(change.state));
    c->set_at_ms(change.at_ms);
    for (const auto& f : change.features) fill_feature(f, ox, oy, *c->add_features());
    for (auto id : change.deleted) c->add_deleted(id);
    apply_delta(change.qc_delta, *c);
    return encode_message(m);
}

EditOutcome apply_change_set(Services& s, const auth::Principal& user, std::uint64_t request_id,
                             const v1::ChangeSet& cs) {
    EditOutcome out;
    auto fail = [&](const Failure& f) {
        out.frames.push_back(encode_error(request_id, f.kind, f.message, f.field));
        return out;
    };
    if (cs.id().empty() || cs.id().size() > 64)
        return fail({ErrorKind::invalid_argument, "a change set needs an id of 1 to 64 characters", "change_set.id"});
    std::string why;
    const auto key = tiles::parse_key(cs.tile_key(), &why);
    if (!key || !s.grid.aligned(*key)) return fail({ErrorKind::invalid_argument, why, "change_set.tile_key"});
    if (cs.ops_size() == 0) return fail({ErrorKind::invalid_argument, "the change set has no operation", "change_set.ops"});
    if (static_cast<std::size_t>(cs.ops_size()) > s.config.limits.max_ops_per_change_set) {
        return fail({ErrorKind::limit_exceeded,
                     std::to_string(cs.ops_size()) + " operations; at most " +
                         std::to_string(s.config.limits.max_ops_per_change_set) + " per change set",
                     "change_set.ops"});
    }
    const auto tile_box = s.grid.bounds(*key);
    const auto ox = static_cast<std::int64_t>(tile_box.min_x * 100), oy = static_cast<std::int64_t>(tile_box.min_y * 100);
    const auto max_points = s.config.limits.max_vertices_per_feature;
    const workflow::Checker checker{s.qc_rules, s.nomenclature, s.grid};

    // Decode and check every operation before touching the database.
    std::vector<DecodedOp> ops;
    std::vector<Ref> refs;
    std::optional<tiles::Box> region;
    for (int i = 0; i < cs.ops_size(); ++i) {
        const auto& op = cs.ops(i);
        const std::string field = "change_set.ops[" + std::to_string(i) + "]";
        DecodedOp d{op.kind_case(), {}, {}};
        auto ref = [&](const v1::FeatureRef& r, unsigned aspects, const std::string& f) {
            refs.push_back({r.id(), r.version(), aspects, f});
        };
        auto polygon = [&](const v1::Polygon& p, const std::string& f) -> std::optional<Failure> {
            std::string error;
            auto rings = decode_polygon(p, ox, oy, max_points, &error);
            if (!rings) return Failure{ErrorKind::invalid_argument, error, f};
            d.polygon = std::move(*rings);
            extend(region, d.polygon);
            return std::nullopt;
        };
        std::optional<Failure> bad;
        switch (op.kind_case()) {
        case v1::Op::kSetClass:
            ref(op.set_class().feature(), classes, field + ".set_class.feature");
            if (op.set_class().code_cs().empty() && op.set_class().code_us().empty())
                bad = Failure{ErrorKind::invalid_argument, "set_class needs a code_cs or a code_us", field + ".set_class"};
            else
                bad = check_codes(s.nomenclature, op.set_class().code_cs(), op.set_class().code_us(), true, field + ".set_class");
            break;
        case v1::Op::kConfirm: ref(op.confirm().feature(), classes, field + ".confirm.feature"); break;
        case v1::Op::kReshape:
            ref(op.reshape().feature(), geometry, field + ".reshape.feature");
            bad = polygon(op.reshape().geometry(), field + ".reshape.geometry");
            break;
        case v1::Op::kSplit: {
            ref(op.split().feature(), geometry, field + ".split.feature");
            const auto& c = op.split().line().coords();
            if (c.size() < 4 || c.size() % 2 != 0 || static_cast<std::size_t>(c.size()) > 2 * max_points) {
                bad = Failure{ErrorKind::invalid_argument, "a split line needs 2 or more points (x, y pairs)",
                              field + ".split.line"};
                break;
            }
            std::int64_t x = ox, y = oy;
            for (int k = 0; k < c.size(); k += 2) {
                x += c[k];
                y += c[k + 1];
                d.line.push_back({x, y});
            }
            extend(region, {d.line});
            for (int k = 0; k < op.split().parts_size() && !bad; ++k)
                bad = check_codes(s.nomenclature, op.split().parts(k).code_cs(), op.split().parts(k).code_us(), true,
                                  field + ".split.parts[" + std::to_string(k) + "]");
            break;
        }
        case v1::Op::kMerge:
            if (op.merge().features_size() < 2)
                bad = Failure{ErrorKind::invalid_argument, "merge needs at least two features", field + ".merge.features"};
            for (int k = 0; k < op.merge().features_size(); ++k)
                ref(op.merge().features(k), classes | geometry, field + ".merge.features[" + std::to_string(k) + "]");
            if (!bad) bad = check_codes(s.nomenclature, op.merge().code_cs(), op.merge().code_us(), true, field + ".merge");
            break;
        case v1::Op::kDraw:
            bad = polygon(op.draw().geometry(), field + ".draw.geometry");
            if (!bad) bad = check_codes(s.nomenclature, op.draw().code_cs(), op.draw().code_us(), false, field + ".draw");
            break;
        default: bad = Failure{ErrorKind::unknown_message, "an operation this server does not know", field};
        }
        if (bad) return fail(*bad);
        ops.push_back(std::move(d));
    }

    // The most common correction — classes set or confirmed, one operation per feature — in one
    // database call; anything unusual (a stale version, a duplicate) takes the general path.
    const auto now_ms = [] {
        return std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::system_clock::now().time_since_epoch())
            .count();
    };
    auto respond = [&](std::vector<store::StoredFeature> states, std::vector<std::int64_t> deleted,
                       const std::vector<std::int64_t>& created, std::int64_t seq, const std::string& state,
                       bool merged_change, const workflow::ChangeCheck& qc, std::string qc_delta,
                       std::string* ack_out) {
        v1::ServerMessage ack;
        ack.set_request_id(request_id);
        auto* a = ack.mutable_ack();
        a->set_change_set_id(cs.id());
        a->set_tile_key(key->str());
        a->set_seq(static_cast<std::uint64_t>(seq));
        a->set_merged(merged_change);
        for (const auto& f : states) fill_feature(f, ox, oy, *a->add_features());
        for (auto id : deleted) a->add_deleted(id);
        for (auto id : created) a->add_created(id);
        for (const auto& i : qc.introduced) fill_issue(i, *a->add_introduced());
        for (const auto& i : qc.fixed) fill_issue(i, *a->add_fixed());
        a->set_blocking(static_cast<std::uint32_t>(qc.counts.blocking));
        a->set_warnings(static_cast<std::uint32_t>(qc.counts.warnings));
        std::string bytes = encode_message(ack);
        if (ack_out) *ack_out = bytes;
        store::TileChangeRecord change;
        change.seq = seq;
        change.change_set = cs.id();
        change.author_id = user.user_id;
        change.author = user.username;
        change.at_ms = now_ms();
        change.state = state;
        change.features = std::move(states);
        change.deleted = std::move(deleted);
        change.qc_delta = std::move(qc_delta);
        out.frames.push_back(std::move(bytes));
        out.tile = key->str();
        out.seq = static_cast<std::uint64_t>(seq);
        out.change = encode_change(change, key->str(), s.grid, 0);
    };
    {
        bool simple = true;
        std::set<std::int64_t> seen;
        std::vector<std::int64_t> ids;
        std::vector<int> versions;
        std::vector<std::string> css, uss;
        for (const auto& op : cs.ops()) {
            const bool set = op.kind_case() == v1::Op::kSetClass;
            if (!set && op.kind_case() != v1::Op::kConfirm) {
                simple = false;
                break;
            }
            const auto& ref = set ? op.set_class().feature() : op.confirm().feature();
            if (!seen.insert(ref.id()).second || ref.id() <= 0 || ref.version() == 0) {
                simple = false;
                break;
            }
            ids.push_back(ref.id());
            versions.push_back(static_cast<int>(ref.version()));
            css.push_back(set ? op.set_class().code_cs() : "");
            uss.push_back(set ? op.set_class().code_us() : "");
        }
        if (simple) {
            std::int64_t expected = 0;
            std::optional<store::EditStore::ClassesResult> done;
            workflow::ChangeCheck qc;
            std::string qc_delta;
            try {
                done = s.edits.apply_classes(
                    s.project, key->str(), user.user_id, cs.id(), ids, versions, css, uss, s.lease_seconds,
                    [&](std::int64_t seq, store::QcAccess& access) {
                        // Run again when a grouped commit failed and this change set is retried alone.
                        if (expected) s.hub.forget(key->str(), static_cast<std::uint64_t>(expected));
                        expected = 0;
                        qc = workflow::check_change(checker, access, tile_box, seq, ids, {},
                                                    /*geometry_changed=*/false);
                        if (auto stored = encode_delta(qc); !stored.empty()) access.record_delta(seq, stored);
                        qc_delta = encode_delta(qc, true);
                        expected = seq;
                        s.hub.expect(key->str(), static_cast<std::uint64_t>(seq));
                    });
            } catch (...) {
                if (expected) s.hub.forget(key->str(), static_cast<std::uint64_t>(expected));
                throw;
            }
            if (!done && expected) s.hub.forget(key->str(), static_cast<std::uint64_t>(expected));
            if (done) {
                for (auto& f : done->features) {
                    f.updated_at_ms = now_ms();
                    f.author = user.username;
                }
                respond(std::move(done->features), {}, {}, done->seq, done->state, false, qc, std::move(qc_delta),
                        nullptr);
                return out;
            }
        }
    }

    // Opening reads what the change set starts from (used once the versions check) and its
    // neighbourhood, in the same round trip.
    store::EditTransaction::LoadRequest load{{}, region, edits::Workspace::context_margin_m};
    for (const auto& r : refs) load.ids.push_back(r.id);
    store::EditTransaction tx(s.db, s.project, key->str(), cs.id(), load);
    if (!tx.tile()) {
        return fail({ErrorKind::not_found, "tile " + key->str() + " does not exist in project " + s.project.name,
                     "change_set.tile_key"});
    }
    // Only tiles open for editing take edits (a resent change set still gets its first outcome).
    const auto& state = tx.tile()->state;
    const bool editable = state == "todo" || state == "in_progress" || state == "rejected";
    // Idempotency: a change set already applied gets its first outcome again.
    if (const auto& previous = tx.previous_outcome()) {
        v1::ServerMessage m;
        if (!previous->empty()) {
            m.ParseFromString(*previous);
        } else {
            // Applied by the one-call path, which keeps no answer: rebuild it from the history.
            auto replay = tx.replay(cs.id());
            auto* a = m.mutable_ack();
            a->set_change_set_id(cs.id());
            a->set_tile_key(key->str());
            a->set_seq(static_cast<std::uint64_t>(replay.seq));
            for (const auto& f : replay.features) fill_feature(f, ox, oy, *a->add_features());
            for (auto id : replay.deleted) a->add_deleted(id);
            for (auto id : replay.created) a->add_created(id);
        }
        m.set_request_id(request_id);
        m.mutable_ack()->set_duplicate(true);
        out.frames.push_back(encode_message(m));
        return out;
    }

    if (!editable) {
        return fail({ErrorKind::invalid_operation,
                     "tile " + key->str() + " is " + state + ": not open for editing (a lead can reopen it)",
                     "change_set.tile_key"});
    }

    auto& read = tx.loaded();
    std::map<std::int64_t, store::StoredFeature> loaded;
    for (auto& f : read.referenced) loaded.emplace(f.id, std::move(f));
    // Versions: a stale base merges when the concurrent change touched another aspect.
    bool merged = false;
    std::vector<std::int64_t> conflicting, gone;
    std::string conflict_reason;
    for (const auto& r : refs) {
        auto it = loaded.find(r.id);
        if (it == loaded.end()) {
            gone.push_back(r.id);
            continue;
        }
        const auto& cur = it->second;
        if (r.version == static_cast<std::uint32_t>(cur.version)) continue;
        if (r.version == 0 || r.version > static_cast<std::uint32_t>(cur.version)) {
            return fail({ErrorKind::invalid_argument,
                         "feature " + std::to_string(r.id) + " has no version " + std::to_string(r.version) +
                             " (current: " + std::to_string(cur.version) + ")",
                         r.field});
        }
        auto changed = tx.changed_since(r.id, static_cast<int>(r.version), cur);
        const bool clash = !changed || (changed->classes && (r.aspects & classes)) ||
                           (changed->geometry && (r.aspects & geometry));
        if (clash) {
            conflicting.push_back(r.id);
            conflict_reason = "feature " + std::to_string(r.id) + " changed since version " + std::to_string(r.version);
        } else {
            merged = true;
        }
    }
    // A feature of another tile, or that never existed, is an error rather than a conflict.
    for (const auto& r : refs) {
        if (std::find(gone.begin(), gone.end(), r.id) == gone.end()) continue;
        auto home = tx.home_of(r.id);
        if (!home) return fail({ErrorKind::invalid_argument, "no feature " + std::to_string(r.id), r.field});
        if (*home != key->str()) {
            return fail({ErrorKind::invalid_argument,
                         "feature " + std::to_string(r.id) + " belongs to tile " + *home + ", not " + key->str(), r.field});
        }
    }
    if (!gone.empty() || !conflicting.empty()) {
        // Deleted since (a history row exists in this tile) → conflict; unknown here → error.
        std::vector<std::int64_t> all = conflicting;
        all.insert(all.end(), gone.begin(), gone.end());
        v1::ServerMessage m;
        m.set_request_id(request_id);
        auto* c = m.mutable_conflict();
        c->set_change_set_id(cs.id());
        c->set_tile_key(key->str());
        c->set_seq(static_cast<std::uint64_t>(tx.tile()->seq));
        c->set_message(conflict_reason.empty() ? "a feature was deleted or is not in this tile" : conflict_reason);
        for (auto id : conflicting) fill_feature(loaded[id], ox, oy, *c->add_current());
        for (auto id : gone) c->add_gone(id);
        tx.record_conflict(cs.id(), user.user_id, all, c->message());
        tx.commit();
        out.frames.push_back(encode_message(m));
        return out;
    }

    for (auto& f : read.context) loaded.emplace(f.id, std::move(f));
    // The operations run on the features near the edit; when that neighbourhood is not enough
    // (its outline would move), once more on the whole tile.
    edits::Limits limits;
    limits.max_vertices_per_feature = max_points;
    auto run = [&](const std::map<std::int64_t, store::StoredFeature>& source,
                   std::unique_ptr<edits::Workspace>& ws) -> std::optional<Failure> {
        std::vector<edits::Feature> features;
        features.reserve(source.size());
        for (const auto& [id, f] : source) {
            auto rings = geo::polygon_from_wkb(f.wkb);
            if (!rings) continue;
            features.push_back({id, f.code_cs, f.code_us, std::move(*rings), f.reviewed});
        }
        ws = std::make_unique<edits::Workspace>(tile_box, std::move(features), limits);
        for (int i = 0; i < cs.ops_size(); ++i) {
            const auto& op = cs.ops(i);
            const std::string field = "change_set.ops[" + std::to_string(i) + "]";
            std::optional<edits::OpError> error;
            std::string name;
            switch (op.kind_case()) {
            case v1::Op::kSetClass:
                name = ".set_class";
                error = ws->set_class(op.set_class().feature().id(), op.set_class().code_cs(), op.set_class().code_us());
                break;
            case v1::Op::kConfirm:
                name = ".confirm";
                error = ws->confirm(op.confirm().feature().id());
                break;
            case v1::Op::kReshape:
                name = ".reshape";
                error = ws->reshape(op.reshape().feature().id(), ops[static_cast<std::size_t>(i)].polygon);
                break;
            case v1::Op::kSplit: {
                name = ".split";
                std::vector<std::pair<std::string, std::string>> parts;
                for (const auto& p : op.split().parts()) parts.emplace_back(p.code_cs(), p.code_us());
                error = ws->split(op.split().feature().id(), ops[static_cast<std::size_t>(i)].line, parts);
                break;
            }
            case v1::Op::kMerge: {
                name = ".merge";
                std::vector<std::int64_t> merge_ids;
                for (const auto& r : op.merge().features()) merge_ids.push_back(r.id());
                error = ws->merge(merge_ids, op.merge().code_cs(), op.merge().code_us());
                break;
            }
            case v1::Op::kDraw: {
                name = ".draw";
                std::int64_t created = 0;
                error = ws->draw(ops[static_cast<std::size_t>(i)].polygon, op.draw().code_cs(), op.draw().code_us(),
                                 &created);
                break;
            }
            default: break;
            }
            if (error) {
                Failure f{ErrorKind::invalid_operation, error->message,
                          field + name + (error->field.empty() ? "" : "." + error->field)};
                if (error->needs_whole_tile) f.kind = ErrorKind::unavailable;  // marks "retry wider"
                return f;
            }
        }
        return std::nullopt;
    };
    std::unique_ptr<edits::Workspace> workspace;
    auto failure = run(loaded, workspace);
    if (failure && failure->kind == ErrorKind::unavailable) {
        for (auto& f : tx.load_all()) loaded.emplace(f.id, std::move(f));
        failure = run(loaded, workspace);
        if (failure && failure->kind == ErrorKind::unavailable) failure->kind = ErrorKind::invalid_operation;
    }
    if (failure) return fail(*failure);
    auto& ws = *workspace;

    // Write what changed.
    std::set<std::int64_t> touched(ws.class_changed().begin(), ws.class_changed().end());
    touched.insert(ws.geometry_changed().begin(), ws.geometry_changed().end());
    touched.insert(ws.created().begin(), ws.created().end());
    std::vector<store::FeatureWrite> writes;
    for (auto id : touched) {
        if (ws.deleted().contains(id)) continue;
        const auto* f = ws.find(id);
        if (!f) continue;
        store::FeatureWrite w;
        w.id = id;
        w.code_cs = f->code_cs;
        w.code_us = f->code_us;
        w.reviewed = f->reviewed;
        if (id < 0 || ws.geometry_changed().contains(id)) w.wkb = geo::polygon_to_wkb(f->rings);
        writes.push_back(std::move(w));
    }
    std::vector<std::int64_t> deletes;
    for (auto id : ws.deleted())
        if (id > 0) deletes.push_back(id);
    auto written = tx.write(user.user_id, cs.id(), static_cast<std::size_t>(cs.ops_size()), writes, deletes,
                            s.lease_seconds, workflow::neighbour_margin_m);
    // The new state of what was written, from the workspace (no need to read it back).
    const auto written_at = now_ms();
    std::vector<store::StoredFeature> states;
    std::vector<std::int64_t> created;
    for (std::size_t i = 0; i < written.rows.size() && i < writes.size(); ++i) {
        const auto& row = written.rows[i];
        const auto& w = writes[i];
        store::StoredFeature f;
        f.id = row.id;
        f.version = row.version;
        f.code_cs = w.code_cs;
        f.code_us = w.code_us;
        f.reviewed = w.reviewed;
        if (auto it = loaded.find(row.given); it != loaded.end()) {
            f.wkb = w.wkb ? *w.wkb : it->second.wkb;
            f.pred_cs = it->second.pred_cs;
            f.pred_us = it->second.pred_us;
            f.pred_confidence = it->second.pred_confidence;
        } else {
            f.wkb = w.wkb.value_or(std::string());
            created.push_back(row.id);
        }
        f.updated_at_ms = written_at;
        f.author = user.username;
        states.push_back(std::move(f));
    }

    // Quality controls on what the change set wrote and its neighbours, in the same transaction.
    std::vector<std::int64_t> written_ids;
    for (const auto& row : written.rows) written_ids.push_back(row.id);
    const auto qc = workflow::check_change(checker, tx.qc(), tile_box, written.seq, written_ids, written.deleted);
    if (auto stored = encode_delta(qc); !stored.empty()) tx.qc().record_delta(written.seq, stored);
    auto qc_delta = encode_delta(qc, true);

    // Encode the answer first: it is stored with the change set, in the same transaction.
    std::string ack_bytes;
    respond(std::move(states), written.deleted, created, written.seq, written.state, merged, qc, std::move(qc_delta),
            &ack_bytes);
    tx.record_outcome(cs.id(), user.user_id, written.seq, static_cast<std::size_t>(cs.ops_size()), ack_bytes);
    // This instance publishes the change itself, after the ack: its NOTIFY is not fetched.
    s.hub.expect(key->str(), static_cast<std::uint64_t>(written.seq));
    try {
        tx.commit();  // acknowledged means durable: the ack leaves only after this
    } catch (...) {
        s.hub.forget(key->str(), static_cast<std::uint64_t>(written.seq));
        throw;
    }
    return out;
}

std::vector<std::string> resync(Services& s, std::uint64_t request_id, const v1::Resync& request) {
    std::vector<std::string> frames;
    std::string why;
    const auto key = tiles::parse_key(request.tile_key(), &why);
    if (!key || !s.grid.aligned(*key)) {
        frames.push_back(encode_error(request_id, ErrorKind::invalid_argument, why, "resync.tile_key"));
        return frames;
    }
    auto tile = s.projects.tile(s.project, key->str());
    if (!tile) {
        frames.push_back(encode_error(request_id, ErrorKind::not_found, "tile " + key->str() + " does not exist",
                                      "resync.tile_key"));
        return frames;
    }
    std::uint64_t last = request.after_seq();
    auto changes = s.edits.changes_after(s.project, key->str(), static_cast<std::int64_t>(request.after_seq()), 500);
    if (changes) {
        for (const auto& c : *changes) {
            frames.push_back(encode_change(c, key->str(), s.grid, request_id));
            last = static_cast<std::uint64_t>(c.seq);
        }
    } else {
        auto record = s.projects.snapshot(s.project, key->str());
        v1::ServerMessage m;
        m.set_request_id(request_id);
        build_snapshot(*record, s.grid, *m.mutable_snapshot());
        last = m.snapshot().seq();
        frames.push_back(encode_message(m));
        frames.push_back(encode_stored_report(s, key->str(), request_id));
    }
    v1::ServerMessage done;
    done.set_request_id(request_id);
    done.mutable_resync_done()->set_tile_key(key->str());
    done.mutable_resync_done()->set_seq(std::max<std::uint64_t>(last, static_cast<std::uint64_t>(tile->seq)));
    frames.push_back(encode_message(done));
    return frames;
}

}  // namespace tessera::api
