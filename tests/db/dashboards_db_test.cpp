// The dashboards reconcile (issue "Workflow", point 4). After a scripted day of work by several
// users — imports, change sets through the server's own SQL function, submissions, reviews that
// approve, reject, release and lapse, rework, a lead's reopenings, conflicts, quality issues
// written and rewritten, zones redefined during the day, plus two earlier days — every
// dashboard figure equals the figure recomputed independently from the raw tables (tile,
// feature, change_set, review, qc_issue, conflict, zone_tile, and the event log replayed here in
// C++), the per-state counts sum to the tile count, the per-user figures sum to the totals, and
// the rollups the triggers kept equal a rebuild from the whole log.

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "store/dashboard_store.hpp"
#include "store/database.hpp"
#include "support/test_db.hpp"

using namespace tessera;

namespace {

// The lifecycle as the server writes it (store/qc_store.cpp's TileTransaction, the edit SQL
// functions), each action one transaction; `at` set for the earlier days, now() otherwise.
class Script {
public:
    explicit Script(const std::string& url) : m_conn(url) {
        pqxx::work tx(m_conn);
        project = tx.exec1("INSERT INTO project (name, srid) VALUES ('dash', 2154) RETURNING id")[0].as<int>();
        for (const auto& [name, role] : std::vector<std::pair<std::string, std::string>>{
                 {"cleo", "contributor"}, {"dario", "contributor"}, {"emma", "contributor"}, {"farid", "contributor"},
                 {"rita", "controller"}, {"remi", "controller"}, {"lena", "lead"}})
            users[name] = tx.exec_params1("INSERT INTO app_user (username, display_name, role, password_hash) "
                                          "VALUES ($1, $1, $2::user_role, 'x') RETURNING id",
                                          name, role)[0]
                              .as<int>();
        tx.commit();
    }

    // A tile of four 500 m squares (three when `clipped`), loaded as the ingest does.
    void import(const std::string& key, int x_km, int y_km, bool clipped, const std::string& at) {
        pqxx::work tx(m_conn);
        tx.exec_params("INSERT INTO tile (project_id, key, x_km, y_km) VALUES ($1, $2, $3, $4)", project, key, x_km, y_km);
        tx.exec_params(
            "INSERT INTO feature (project_id, tile_key, code_cs, code_us, geom, pred_cs, pred_us, pred_confidence) "
            "SELECT $1, $2, 'CS2.2.1', 'US1.1', ST_MakeEnvelope($3 * 1000 + i * 500, $4 * 1000 + j * 500, "
            "$3 * 1000 + i * 500 + 500, $4 * 1000 + j * 500 + 500, 2154), 'CS2.2.1', 'US1.1', 0.8 "
            "FROM generate_series(0, 1) i, generate_series(0, 1) j WHERE NOT ($5 AND i = 1 AND j = 1)",
            project, key, x_km, y_km, clipped);
        tx.exec_params("INSERT INTO feature_history (feature_id, version, project_id, tile_key, code_cs, code_us, geom, "
                       "reviewed) SELECT id, version, project_id, tile_key, code_cs, code_us, geom, reviewed FROM feature "
                       "WHERE project_id = $1 AND tile_key = $2",
                       project, key);
        tx.exec_params("UPDATE tile SET seq = 1, feature_count = $3 WHERE project_id = $1 AND key = $2", project, key,
                       clipped ? 3 : 4);
        tx.exec_params("INSERT INTO event (project_id, tile_key, tile_seq, kind, at, payload) VALUES ($1, $2, 1, "
                       "'tile_imported', $3::timestamptz, jsonb_build_object('features', $4::int, 'source', 'day.gpkg'))",
                       project, key, at, clipped ? 3 : 4);
        tx.commit();
    }

    // A set_class change set on one feature, through tessera_apply_classes_grouped (event, history,
    // sequence, state, change-set record), now.
    void edit(const std::string& tile, const std::string& user) {
        pqxx::work tx(m_conn);
        auto f = tx.exec_params1("SELECT id, version, code_cs FROM feature WHERE project_id = $1 AND tile_key = $2 "
                                 "ORDER BY version, id LIMIT 1",
                                 project, tile);
        const auto cs = f[2].as<std::string>() == "CS2.2.1" ? "CS2.1.1.1" : "CS2.2.1";
        const auto id = "cs-" + std::to_string(++m_change_sets);
        auto r = tx.exec_params1("SELECT o_fallback FROM tessera_apply_classes_grouped($1, 1800, ARRAY[$2::text], "
                                 "ARRAY[$3::integer], ARRAY[$4::text], ARRAY[1], ARRAY[$5::bigint], ARRAY[$6::integer], "
                                 "ARRAY[$7::text], ARRAY['']) LIMIT 1",
                                 project, tile, users.at(user), id, f[0].as<std::int64_t>(), f[1].as<int>(), cs);
        ASSERT_FALSE(r[0].as<bool>()) << "the change set on " << tile << " must apply";
        tx.commit();
    }

    // A change set written as the server does, at a given time (the earlier days).
    void edit_at(const std::string& tile, const std::string& user, int ops, const std::string& at) {
        pqxx::work tx(m_conn);
        auto t = tx.exec_params1("UPDATE tile t SET seq = t.seq + 1, state = CASE WHEN t.state = 'todo' THEN "
                                 "'in_progress'::tile_state ELSE t.state END FROM tile o WHERE o.project_id = t.project_id "
                                 "AND o.key = t.key AND t.project_id = $1 AND t.key = $2 RETURNING t.seq, o.state::text, "
                                 "t.state::text",
                                 project, tile);
        const auto id = "cs-" + std::to_string(++m_change_sets);
        tx.exec_params("INSERT INTO event (project_id, tile_key, tile_seq, kind, actor_id, at, payload) VALUES ($1, $2, "
                       "$3, 'change_set', $4, $5::timestamptz, jsonb_build_object('change_set', $6::text, 'ops', $7::int, "
                       "'written', '[]'::jsonb, 'deleted', '[]'::jsonb, 'state_from', $8::text, 'state_to', $9::text))",
                       project, tile, t[0].as<std::int64_t>(), users.at(user), at, id, ops, t[1].as<std::string>(),
                       t[2].as<std::string>());
        tx.exec_params("INSERT INTO change_set (project_id, id, tile_key, user_id, tile_seq, ops, applied_at) "
                       "VALUES ($1, $2, $3, $4, $5, $6, $7::timestamptz)",
                       project, id, tile, users.at(user), t[0].as<std::int64_t>(), ops, at);
        tx.commit();
    }

    void lease(const std::string& tile, const std::string& user) {
        pqxx::work tx(m_conn);
        tx.exec_params("INSERT INTO event (project_id, tile_key, kind, actor_id) VALUES ($1, $2, 'lease_claimed', $3)",
                       project, tile, users.at(user));
        tx.commit();
    }

    void submit(const std::string& tile, const std::string& user, const std::string& at = "") {
        move(tile, {"todo", "in_progress", "rejected"}, "submitted", "submitted", user, "{\"warnings\": 0}", at);
    }
    void claim(const std::string& tile, const std::string& reviewer, const std::string& at = "") {
        pqxx::work tx(m_conn);
        const auto review = tx.exec_params1("INSERT INTO review (project_id, tile_key, reviewer_id, tile_seq, claimed_at) "
                                            "SELECT $1, $2, $3, seq, coalesce(nullif($4, '')::timestamptz, now()) "
                                            "FROM tile WHERE project_id = $1 AND key = $2 RETURNING id",
                                            project, tile, users.at(reviewer), at)[0]
                                .as<std::int64_t>();
        move(tx, tile, {"submitted"}, "in_review", "review_claimed", reviewer,
             "{\"review\": " + std::to_string(review) + "}", at);
        tx.commit();
    }
    // approved or rejected by `actor`, ending the open review.
    void verdict(const std::string& tile, const std::string& actor, const std::string& outcome,
                 const std::vector<std::string>& reasons = {}, const std::string& at = "") {
        std::string json = "[", literal = "{";
        for (const auto& r : reasons) {
            json += (json.size() > 1 ? ", \"" : "\"") + r + "\"";
            literal += (literal.size() > 1 ? "," : "") + r;
        }
        end_review(tile, outcome,
                   outcome == "rejected" ? "{\"reasons\": " + json + "], \"comment\": \"redo\", \"comments\": 1}"
                                         : "{\"comment\": \"\"}",
                   outcome, "in_review", outcome, actor, at, literal + "}");
    }
    void release(const std::string& tile, const std::string& actor) {
        end_review(tile, "review_released", "{}", "released", "in_review", "submitted", actor, "", "{}");
    }
    // The review lease lapsed (no actor).
    void lapse(const std::string& tile) {
        end_review(tile, "review_lapsed", "{}", "lapsed", "in_review", "submitted", "", "", "{}");
    }
    void reopen(const std::string& tile, const std::string& lead) {
        end_review(tile, "reopened", "{\"reason\": \"look again\"}", "released", "", "in_progress", lead, "", "{}");
    }

    void conflict(const std::string& tile, const std::string& user, const std::string& at = "") {
        pqxx::work tx(m_conn);
        tx.exec_params("INSERT INTO conflict (project_id, tile_key, change_set, user_id, feature_ids, message, at) "
                       "VALUES ($1, $2, $3, $4, '{1}', 'someone changed the classes first', "
                       "coalesce(nullif($5, '')::timestamptz, now()))",
                       project, tile, "refused-" + std::to_string(++m_change_sets), users.at(user), at);
        tx.commit();
    }

    void sql(const std::string& statement) {
        pqxx::work tx(m_conn);
        tx.exec(statement);
        tx.commit();
    }

    pqxx::connection& conn() { return m_conn; }
    int project = 0;
    std::map<std::string, int> users;

private:
    void move(const std::string& tile, const std::vector<std::string>& from, const std::string& to,
              const std::string& kind, const std::string& actor, const std::string& payload, const std::string& at) {
        pqxx::work tx(m_conn);
        move(tx, tile, from, to, kind, actor, payload, at);
        tx.commit();
    }
    void move(pqxx::work& tx, const std::string& tile, const std::vector<std::string>& from, const std::string& to,
              const std::string& kind, const std::string& actor, const std::string& payload, const std::string& at) {
        std::string states = "{";
        for (const auto& s : from) states += (states.size() > 1 ? "," : "") + s;
        auto r = tx.exec_params(
            "UPDATE tile t SET state = $3::tile_state, updated_at = now() FROM tile o WHERE o.project_id = t.project_id "
            "AND o.key = t.key AND t.project_id = $1 AND t.key = $2 AND (o.state::text = ANY($4::text[]) OR $4 = '{}') "
            "RETURNING t.seq, o.state::text",
            project, tile, to, states + "}");
        ASSERT_EQ(r.size(), 1u) << kind << " of " << tile << " refused";
        tx.exec_params("INSERT INTO event (project_id, tile_key, kind, actor_id, at, payload) VALUES ($1, $2, $3, "
                       "nullif($4, 0), coalesce(nullif($5, '')::timestamptz, now()), $6::jsonb || "
                       "jsonb_build_object('seq', $7::bigint, 'from', $8::text))",
                       project, tile, kind, actor.empty() ? 0 : users.at(actor), at, payload, r[0][0].as<std::int64_t>(),
                       r[0][1].as<std::string>());
    }
    void end_review(const std::string& tile, const std::string& kind, const std::string& payload,
                    const std::string& outcome, const std::string& from, const std::string& to, const std::string& actor,
                    const std::string& at, const std::string& reasons) {
        pqxx::work tx(m_conn);
        auto open = tx.exec_params("SELECT id FROM review WHERE project_id = $1 AND tile_key = $2 AND ended_at IS NULL "
                                   "ORDER BY id DESC LIMIT 1",
                                   project, tile);
        std::string body = payload;
        if (!open.empty() && kind != "reopened")
            body = tx.exec_params1("SELECT ($1::jsonb || jsonb_build_object('review', $2::bigint))::text", payload,
                                   open[0][0].as<std::int64_t>())[0]
                       .as<std::string>();
        move(tx, tile, from.empty() ? std::vector<std::string>{} : std::vector<std::string>{from}, to, kind, actor, body,
             at);
        if (!open.empty())
            tx.exec_params("UPDATE review SET ended_at = coalesce(nullif($2, '')::timestamptz, now()), outcome = $3, "
                           "reasons = $4::text[] WHERE id = $1",
                           open[0][0].as<std::int64_t>(), at, outcome, reasons);
        tx.commit();
    }

    pqxx::connection m_conn;
    int m_change_sets = 0;
};

// Day d (0 = today, -1 = yesterday, ...) at hh:mm UTC.
std::string at(pqxx::connection& c, int d, const std::string& hhmm) {
    pqxx::work tx(c);
    return tx.exec_params1("SELECT to_char(((now() AT TIME ZONE 'UTC')::date + $1::integer) + $2::time, "
                           "'YYYY-MM-DD HH24:MI:SS') || '+00'",
                           d, hhmm)[0]
        .as<std::string>();
}

int state_index(const std::string& s) {
    for (std::size_t i = 0; i < store::tile_states.size(); ++i)
        if (s == store::tile_states[i]) return static_cast<int>(i);
    return -1;
}

// The new state an event gives its tile (the lifecycle's rules), or "".
std::string target_of(const std::string& kind, const std::string& from, const std::string& to) {
    static const std::map<std::string, std::string> moves = {
        {"submitted", "submitted"},       {"review_claimed", "in_review"}, {"approved", "approved"},
        {"rejected", "rejected"},         {"reopened", "in_progress"},     {"review_released", "submitted"},
        {"review_lapsed", "submitted"},   {"published", "published"}};
    if (kind == "change_set") return from != to && state_index(to) >= 0 ? to : "";
    auto it = moves.find(kind);
    return it == moves.end() ? "" : it->second;
}

// Everything the dashboards show, to compare before and after a rebuild.
struct Everything {
    std::vector<store::ZoneStates> states;
    std::vector<store::DayStates> progress;
    std::vector<store::DayStates> zone_progress;
    std::vector<store::DayThroughput> throughput;
    std::vector<store::ContributorFigures> contributors;
    std::vector<store::ControllerFigures> controllers;
    std::vector<store::QcFigures> qc;
    store::ConflictFigures conflicts;
};

Everything read_everything(store::DashboardStore& d, const store::ProjectRecord& p, int zone) {
    return {d.states(p, std::nullopt), d.progress(p, std::nullopt, {}), d.progress(p, zone, {}), d.throughput(p, {}),
            d.contributors(p, std::nullopt, {}), d.controllers(p, std::nullopt), d.qc(p), d.conflicts(p, {}, 1000)};
}

void expect_same(const Everything& a, const Everything& b) {
    ASSERT_EQ(a.states.size(), b.states.size());
    for (std::size_t i = 0; i < a.states.size(); ++i)
        for (std::size_t s = 0; s < store::tile_states.size(); ++s) {
            EXPECT_EQ(a.states[i].states[s].tiles, b.states[i].states[s].tiles) << a.states[i].zone << " " << s;
            EXPECT_DOUBLE_EQ(a.states[i].states[s].area_m2, b.states[i].states[s].area_m2) << a.states[i].zone;
        }
    auto days = [](const std::vector<store::DayStates>& x, const std::vector<store::DayStates>& y) {
        ASSERT_EQ(x.size(), y.size());
        for (std::size_t i = 0; i < x.size(); ++i) {
            EXPECT_EQ(x[i].day, y[i].day);
            EXPECT_EQ(x[i].tiles, y[i].tiles) << x[i].day;
        }
    };
    days(a.progress, b.progress);
    days(a.zone_progress, b.zone_progress);
    ASSERT_EQ(a.throughput.size(), b.throughput.size());
    for (std::size_t i = 0; i < a.throughput.size(); ++i) {
        const auto &x = a.throughput[i], &y = b.throughput[i];
        EXPECT_EQ(std::tie(x.day, x.change_sets, x.ops, x.submissions, x.approvals, x.rejections, x.reopens),
                  std::tie(y.day, y.change_sets, y.ops, y.submissions, y.approvals, y.rejections, y.reopens));
    }
    ASSERT_EQ(a.contributors.size(), b.contributors.size());
    for (std::size_t i = 0; i < a.contributors.size(); ++i) {
        const auto &x = a.contributors[i], &y = b.contributors[i];
        EXPECT_EQ(std::tie(x.user_id, x.change_sets, x.ops, x.submissions, x.tiles_submitted, x.approved, x.rejected,
                           x.rework),
                  std::tie(y.user_id, y.change_sets, y.ops, y.submissions, y.tiles_submitted, y.approved, y.rejected,
                           y.rework));
    }
    ASSERT_EQ(a.controllers.size(), b.controllers.size());
    for (std::size_t i = 0; i < a.controllers.size(); ++i) {
        const auto &x = a.controllers[i], &y = b.controllers[i];
        EXPECT_EQ(std::tie(x.user_id, x.claimed, x.approved, x.rejected, x.released, x.lapsed, x.median_review_s,
                           x.reasons),
                  std::tie(y.user_id, y.claimed, y.approved, y.rejected, y.released, y.lapsed, y.median_review_s,
                           y.reasons));
    }
    ASSERT_EQ(a.qc.size(), b.qc.size());
    for (std::size_t i = 0; i < a.qc.size(); ++i)
        EXPECT_EQ(std::tie(a.qc[i].code, a.qc[i].blocking, a.qc[i].issues, a.qc[i].tiles),
                  std::tie(b.qc[i].code, b.qc[i].blocking, b.qc[i].issues, b.qc[i].tiles));
    const auto &x = a.conflicts, &y = b.conflicts;
    EXPECT_EQ(x.total, y.total);
    ASSERT_EQ(x.days.size(), y.days.size());
    for (std::size_t i = 0; i < x.days.size(); ++i)
        EXPECT_EQ(std::tie(x.days[i].day, x.days[i].conflicts, x.days[i].users),
                  std::tie(y.days[i].day, y.days[i].conflicts, y.days[i].users));
    ASSERT_EQ(x.tiles.size(), y.tiles.size());
    for (std::size_t i = 0; i < x.tiles.size(); ++i)
        EXPECT_EQ(std::tie(x.tiles[i].tile, x.tiles[i].conflicts, x.tiles[i].users, x.tiles[i].last_at),
                  std::tie(y.tiles[i].tile, y.tiles[i].conflicts, y.tiles[i].users, y.tiles[i].last_at));
    ASSERT_EQ(x.users.size(), y.users.size());
    for (std::size_t i = 0; i < x.users.size(); ++i)
        EXPECT_EQ(std::tie(x.users[i].user_id, x.users[i].conflicts, x.users[i].tiles),
                  std::tie(y.users[i].user_id, y.users[i].conflicts, y.users[i].tiles));
}

}  // namespace

namespace {

// Every dashboard figure against the raw tables.
void reconcile(Script& day, store::DashboardStore& dash, const store::ProjectRecord& p) {
    pqxx::read_transaction tx(day.conn());
    const int pid = p.id;

    // --- States: the tile table, the areas of the features, the zones as they are now.
    const auto states = dash.states(p, std::nullopt);
    ASSERT_FALSE(states.empty());
    ASSERT_FALSE(states[0].zone_id) << "the project comes first";
    std::map<std::string, std::map<std::string, std::pair<std::int64_t, double>>> expected;
    std::map<std::string, std::int64_t> tile_count;
    for (const auto& row : tx.exec_params(
             "SELECT '' AS zone, t.state::text, count(*), sum(a.area) FROM tile t "
             "JOIN (SELECT tile_key, sum(ST_Area(geom)) AS area FROM feature WHERE project_id = $1 GROUP BY 1) a "
             "ON a.tile_key = t.key WHERE t.project_id = $1 GROUP BY 1, 2 "
             "UNION ALL SELECT z.name, t.state::text, count(*), sum(a.area) FROM zone z "
             "JOIN zone_tile zt ON zt.zone_id = z.id JOIN tile t ON t.project_id = zt.project_id AND t.key = zt.tile_key "
             "JOIN (SELECT tile_key, sum(ST_Area(geom)) AS area FROM feature WHERE project_id = $1 GROUP BY 1) a "
             "ON a.tile_key = t.key WHERE z.project_id = $1 GROUP BY 1, 2",
             pid))
        expected[row[0].as<std::string>()][row[1].as<std::string>()] = {row[2].as<std::int64_t>(), row[3].as<double>()};
    for (const auto& row : tx.exec_params("SELECT '', count(*) FROM tile WHERE project_id = $1 UNION ALL "
                                          "SELECT z.name, count(zt.tile_key) FROM zone z LEFT JOIN zone_tile zt ON "
                                          "zt.zone_id = z.id WHERE z.project_id = $1 GROUP BY 1",
                                          pid))
        tile_count[row[0].as<std::string>()] = row[1].as<std::int64_t>();
    EXPECT_EQ(states.size(), tile_count.size()) << "the project and every zone";
    for (const auto& z : states) {
        const std::string name = z.zone_id ? z.zone : "";
        for (std::size_t i = 0; i < store::tile_states.size(); ++i) {
            const auto want = expected[name][store::tile_states[i]];
            EXPECT_EQ(z.states[i].tiles, want.first) << "zone '" << name << "', " << store::tile_states[i];
            EXPECT_NEAR(z.states[i].area_m2, want.second, 1e-3) << "zone '" << name << "', " << store::tile_states[i];
        }
        EXPECT_EQ(z.tiles(), tile_count[name]) << "zone '" << name << "': the states sum to the tile count";
    }

    // --- Progress: the event log replayed here, tile by tile; the last day is today's tile table.
    struct Ev {
        std::string tile, kind, state_from, state_to, from, day;
    };
    std::vector<Ev> events;
    for (const auto& row : tx.exec_params(
             "SELECT tile_key, kind, coalesce(payload->>'state_from', ''), coalesce(payload->>'state_to', ''), "
             "coalesce(payload->>'from', ''), to_char((at AT TIME ZONE 'UTC')::date, 'YYYY-MM-DD') FROM event "
             "WHERE project_id = $1 AND tile_key IS NOT NULL ORDER BY id",
             pid))
        events.push_back({row[0].as<std::string>(), row[1].as<std::string>(), row[2].as<std::string>(),
                          row[3].as<std::string>(), row[4].as<std::string>(), row[5].as<std::string>()});
    std::map<std::string, std::set<std::string>> zones;
    for (const auto& row : tx.exec_params("SELECT z.id, zt.tile_key FROM zone z JOIN zone_tile zt ON zt.zone_id = z.id "
                                          "WHERE z.project_id = $1",
                                          pid))
        zones[row[0].as<std::string>()].insert(row[1].as<std::string>());
    auto replay = [&](const std::set<std::string>* only) {
        std::map<std::string, std::string> state;
        std::map<std::string, std::array<std::int64_t, 7>> end_of_day;  // days with a change
        for (const auto& e : events) {
            if (only && !only->count(e.tile)) continue;
            const bool known = state.count(e.tile) > 0;
            bool changed = false;
            if (e.kind == "tile_imported") {
                if (!known) state[e.tile] = "todo", changed = true;
            } else if (auto to = target_of(e.kind, e.state_from, e.state_to); !to.empty()) {
                if (!known) {
                    const auto from = e.kind == "change_set" ? e.state_from : e.from;
                    state[e.tile] = state_index(from) >= 0 ? from : to;
                    changed = true;
                }
                if (state[e.tile] != to) state[e.tile] = to, changed = true;
            }
            if (!changed) continue;
            std::array<std::int64_t, 7> counts{};
            for (const auto& [tile, s] : state) ++counts[static_cast<std::size_t>(state_index(s))];
            end_of_day[e.day] = counts;
        }
        return end_of_day;
    };
    auto check_progress = [&](const std::vector<store::DayStates>& shown, const std::set<std::string>* only,
                              const std::string& what) {
        const auto want = replay(only);
        ASSERT_FALSE(want.empty());
        ASSERT_FALSE(shown.empty()) << what;
        EXPECT_EQ(shown.front().day, want.begin()->first) << what;
        EXPECT_EQ(shown.back().day, want.rbegin()->first) << what;
        const auto span =
            tx.exec_params1("SELECT $2::date - $1::date", shown.front().day, shown.back().day)[0].as<int>();
        EXPECT_EQ(static_cast<int>(shown.size()), span + 1) << what << ": every day, with a change or not";
        for (const auto& d : shown) {
            auto it = want.upper_bound(d.day);  // the last day with a change on or before d
            ASSERT_NE(it, want.begin()) << what << " " << d.day;
            --it;
            EXPECT_EQ(d.tiles, it->second) << what << " at the end of " << d.day;
        }
    };
    const auto progress = dash.progress(p, std::nullopt, {});
    check_progress(progress, nullptr, "project");
    for (std::size_t i = 0; i < store::tile_states.size(); ++i)
        EXPECT_EQ(progress.back().tiles[i], states[0].states[i].tiles) << "today's burn-down is the tile table";
    for (const auto& [zone, tiles] : zones)
        check_progress(dash.progress(p, std::stoi(zone), {}), &tiles, "zone " + zone);

    // --- Throughput: change sets from the change_set table, verdicts from the review table.
    const auto throughput = dash.throughput(p, {});
    store::DayThroughput sum;
    for (const auto& d : throughput) {
        auto r = tx.exec_params1(
            "SELECT (SELECT count(*) FROM change_set WHERE project_id = $1 "
            "        AND (applied_at AT TIME ZONE 'UTC')::date = $2::date), "
            "(SELECT coalesce(sum(ops), 0) FROM change_set WHERE project_id = $1 "
            "        AND (applied_at AT TIME ZONE 'UTC')::date = $2::date), "
            "(SELECT count(*) FROM event WHERE project_id = $1 AND kind = 'submitted' "
            "        AND (at AT TIME ZONE 'UTC')::date = $2::date), "
            "(SELECT count(*) FROM review WHERE project_id = $1 AND outcome = 'approved' "
            "        AND (ended_at AT TIME ZONE 'UTC')::date = $2::date), "
            "(SELECT count(*) FROM review WHERE project_id = $1 AND outcome = 'rejected' "
            "        AND (ended_at AT TIME ZONE 'UTC')::date = $2::date), "
            "(SELECT count(*) FROM event WHERE project_id = $1 AND kind = 'reopened' "
            "        AND (at AT TIME ZONE 'UTC')::date = $2::date)",
            pid, d.day);
        EXPECT_EQ(d.change_sets, r[0].as<std::int64_t>()) << d.day;
        EXPECT_EQ(d.ops, r[1].as<std::int64_t>()) << d.day;
        EXPECT_EQ(d.submissions, r[2].as<std::int64_t>()) << d.day;
        EXPECT_EQ(d.approvals, r[3].as<std::int64_t>()) << d.day;
        EXPECT_EQ(d.rejections, r[4].as<std::int64_t>()) << d.day;
        EXPECT_EQ(d.reopens, r[5].as<std::int64_t>()) << d.day;
        sum.change_sets += d.change_sets, sum.submissions += d.submissions, sum.approvals += d.approvals;
        sum.rejections += d.rejections, sum.ops += d.ops, sum.reopens += d.reopens;
    }
    auto all = tx.exec_params1(
        "SELECT (SELECT count(*) FROM change_set WHERE project_id = $1), "
        "(SELECT count(*) FROM event WHERE project_id = $1 AND kind = 'submitted'), "
        "(SELECT count(*) FROM review WHERE project_id = $1 AND outcome = 'approved'), "
        "(SELECT count(*) FROM review WHERE project_id = $1 AND outcome = 'rejected'), "
        "(SELECT count(*) FROM event WHERE project_id = $1 AND kind = 'reopened')",
        pid);
    EXPECT_EQ(sum.change_sets, all[0].as<std::int64_t>()) << "every day is shown";
    EXPECT_EQ(sum.submissions, all[1].as<std::int64_t>());
    EXPECT_EQ(sum.approvals, all[2].as<std::int64_t>());
    EXPECT_EQ(sum.rejections, all[3].as<std::int64_t>());
    EXPECT_EQ(sum.reopens, all[4].as<std::int64_t>());

    // --- Contributors: change_set rows, submissions, and the reviews of what each one submitted
    // (the submitter of a review is the last to submit the tile before it was claimed).
    std::map<int, store::ContributorFigures> want;
    for (const auto& row : tx.exec_params("SELECT user_id, count(*), sum(ops) FROM change_set WHERE project_id = $1 "
                                          "GROUP BY 1",
                                          pid))
        want[row[0].as<int>()].change_sets = row[1].as<std::int64_t>(),
        want[row[0].as<int>()].ops = row[2].as<std::int64_t>();
    for (const auto& row : tx.exec_params("SELECT actor_id, count(*), count(DISTINCT tile_key) FROM event "
                                          "WHERE project_id = $1 AND kind = 'submitted' GROUP BY 1",
                                          pid)) {
        want[row[0].as<int>()].submissions = row[1].as<std::int64_t>();
        want[row[0].as<int>()].tiles_submitted = row[2].as<std::int64_t>();
    }
    for (const auto& row : tx.exec_params(
             "SELECT s.actor_id, count(*) FILTER (WHERE r.outcome = 'approved'), "
             "count(*) FILTER (WHERE r.outcome = 'rejected'), "
             "count(*) FILTER (WHERE r.outcome = 'rejected' AND EXISTS (SELECT 1 FROM event n WHERE n.project_id = "
             "r.project_id AND n.tile_key = r.tile_key AND n.kind = 'submitted' AND n.at > r.ended_at)) "
             "FROM review r CROSS JOIN LATERAL (SELECT e.actor_id FROM event e WHERE e.project_id = r.project_id "
             "AND e.tile_key = r.tile_key AND e.kind = 'submitted' AND e.at <= r.claimed_at ORDER BY e.id DESC LIMIT 1) s "
             "WHERE r.project_id = $1 AND r.outcome IN ('approved', 'rejected') GROUP BY 1",
             pid)) {
        auto& c = want[row[0].as<int>()];
        c.approved = row[1].as<std::int64_t>(), c.rejected = row[2].as<std::int64_t>(), c.rework = row[3].as<std::int64_t>();
    }
    const auto contributors = dash.contributors(p, std::nullopt, {});
    EXPECT_EQ(contributors.size(), want.size());
    store::ContributorFigures total;
    for (const auto& c : contributors) {
        const auto& w = want[c.user_id];
        EXPECT_EQ(std::tie(c.change_sets, c.ops, c.submissions, c.tiles_submitted, c.approved, c.rejected, c.rework),
                  std::tie(w.change_sets, w.ops, w.submissions, w.tiles_submitted, w.approved, w.rejected, w.rework))
            << c.username;
        EXPECT_EQ(c.approval_rate(), w.approval_rate()) << c.username;
        total.change_sets += c.change_sets, total.submissions += c.submissions, total.approved += c.approved;
        total.rejected += c.rejected;
        auto one = dash.contributors(p, c.user_id, {});
        ASSERT_EQ(one.size(), 1u);
        EXPECT_EQ(one[0].change_sets, c.change_sets) << "?user= gives the same line";
    }
    EXPECT_EQ(total.change_sets, sum.change_sets) << "per user sums to the total";
    EXPECT_EQ(total.submissions, sum.submissions);
    EXPECT_EQ(total.approved, sum.approvals) << "every approved tile had been submitted";
    EXPECT_EQ(total.rejected, sum.rejections);

    // --- Controllers: the review table.
    const auto controllers = dash.controllers(p, std::nullopt);
    std::map<int, store::ControllerFigures> reviews;
    for (const auto& row : tx.exec_params(
             "SELECT reviewer_id, count(*), count(*) FILTER (WHERE outcome = 'approved'), "
             "count(*) FILTER (WHERE outcome = 'rejected'), count(*) FILTER (WHERE outcome = 'released'), "
             "count(*) FILTER (WHERE outcome = 'lapsed'), percentile_disc(0.5) WITHIN GROUP (ORDER BY "
             "floor(extract(epoch FROM ended_at - claimed_at))) FILTER (WHERE outcome IN ('approved', 'rejected')) "
             "FROM review WHERE project_id = $1 GROUP BY 1",
             pid)) {
        auto& c = reviews[row[0].as<int>()];
        c.claimed = row[1].as<std::int64_t>(), c.approved = row[2].as<std::int64_t>(), c.rejected = row[3].as<std::int64_t>();
        c.released = row[4].as<std::int64_t>(), c.lapsed = row[5].as<std::int64_t>();
        if (!row[6].is_null()) c.median_review_s = static_cast<std::int64_t>(row[6].as<double>());
    }
    for (const auto& row : tx.exec_params("SELECT reviewer_id, x, count(*) FROM review, unnest(reasons) x "
                                          "WHERE project_id = $1 AND outcome = 'rejected' GROUP BY 1, 2",
                                          pid))
        reviews[row[0].as<int>()].reasons[row[1].as<std::string>()] = row[2].as<std::int64_t>();
    EXPECT_EQ(controllers.size(), reviews.size());
    store::ControllerFigures reviewed;
    for (const auto& c : controllers) {
        const auto& w = reviews[c.user_id];
        EXPECT_EQ(std::tie(c.claimed, c.approved, c.rejected, c.released, c.lapsed, c.median_review_s, c.reasons),
                  std::tie(w.claimed, w.approved, w.rejected, w.released, w.lapsed, w.median_review_s, w.reasons))
            << c.username;
        reviewed.approved += c.approved, reviewed.rejected += c.rejected;
    }
    EXPECT_EQ(reviewed.approved, sum.approvals) << "per controller sums to the total";
    EXPECT_EQ(reviewed.rejected, sum.rejections);

    // --- Quality issues: qc_issue.
    std::map<std::pair<std::string, bool>, std::pair<std::int64_t, std::int64_t>> issues;
    for (const auto& row : tx.exec_params("SELECT code, blocking, count(*), count(DISTINCT tile_key) FROM qc_issue "
                                          "WHERE project_id = $1 GROUP BY 1, 2",
                                          pid))
        issues[{row[0].as<std::string>(), row[1].as<bool>()}] = {row[2].as<std::int64_t>(), row[3].as<std::int64_t>()};
    const auto qc = dash.qc(p);
    EXPECT_EQ(qc.size(), issues.size());
    for (const auto& q : qc)
        EXPECT_EQ(std::make_pair(q.issues, q.tiles), (issues[{q.code, q.blocking}])) << q.code << " " << q.blocking;

    // --- Conflicts: the conflict table, counted here; from the rollups and over a range.
    std::map<std::string, std::pair<std::int64_t, std::set<int>>> per_tile, per_day;
    std::map<std::string, std::string> last_at;
    std::map<int, std::set<std::string>> per_user_tiles;
    std::map<int, std::int64_t> per_user;
    std::int64_t conflicts = 0;
    for (const auto& row : tx.exec_params(
             "SELECT tile_key, user_id, to_char((at AT TIME ZONE 'UTC')::date, 'YYYY-MM-DD'), "
             "to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') FROM conflict WHERE project_id = $1",
             pid)) {
        const auto t = row[0].as<std::string>();
        const auto u = row[1].as<int>();
        ++conflicts;
        ++per_tile[t].first, per_tile[t].second.insert(u);
        ++per_day[row[2].as<std::string>()].first, per_day[row[2].as<std::string>()].second.insert(u);
        last_at[t] = std::max(last_at[t], row[3].as<std::string>());
        ++per_user[u];
        per_user_tiles[u].insert(t);
    }
    for (const auto& f : {dash.conflicts(p, {}, 100), dash.conflicts(p, {"2000-01-01", "2199-12-31"}, 100)}) {
        EXPECT_EQ(f.total, conflicts);
        EXPECT_EQ(f.days.size(), per_day.size());
        for (const auto& d : f.days)
            EXPECT_EQ(std::make_pair(d.conflicts, d.users),
                      std::make_pair(per_day[d.day].first, static_cast<std::int64_t>(per_day[d.day].second.size())));
        EXPECT_EQ(f.tiles.size(), per_tile.size());
        for (const auto& t : f.tiles) {
            EXPECT_EQ(std::make_pair(t.conflicts, t.users),
                      std::make_pair(per_tile[t.tile].first, static_cast<std::int64_t>(per_tile[t.tile].second.size())))
                << t.tile;
            EXPECT_EQ(t.last_at, last_at[t.tile]) << t.tile;
        }
        EXPECT_EQ(f.users.size(), per_user.size());
        for (const auto& u : f.users)
            EXPECT_EQ(std::make_pair(u.conflicts, u.tiles),
                      std::make_pair(per_user[u.user_id], static_cast<std::int64_t>(per_user_tiles[u.user_id].size())));
    }
}

std::string tile(int i) { return "08" + std::to_string(10 + i) + "_6800"; }

std::int64_t states_now(store::DashboardStore& dash, const store::ProjectRecord& p, const std::string& state) {
    return dash.states(p, std::nullopt).at(0).states.at(static_cast<std::size_t>(state_index(state))).tiles;
}

}  // namespace

TEST(DashboardsDb, ADayOfWorkReconcilesWithTheRawTables) {
    test::TestDatabase db;
    Script day(db.url());
    store::Database pool(db.url(), 2);
    store::DashboardStore dash(pool);
    const store::ProjectRecord project{day.project, "dash"};
    auto& c = day.conn();
    const auto pid = std::to_string(day.project);

    // Two days ago: twelve tiles imported (the last clipped by the territory's border); zones.
    for (int i = 0; i < 12; ++i) day.import(tile(i), 810 + i, 6800, i == 11, at(c, -2, "08:00"));
    day.sql("INSERT INTO zone (project_id, name, kind, codes) VALUES (" + pid + ", 'north', 'tiles', '{}'), (" + pid +
            ", 'south', 'tiles', '{}')");
    day.sql("INSERT INTO zone_tile (zone_id, project_id, tile_key) SELECT z.id, " + pid +
            ", t FROM zone z, unnest(ARRAY['" + tile(0) + "','" + tile(1) + "','" + tile(2) + "','" + tile(3) + "','" +
            tile(4) + "','" + tile(5) + "']) t WHERE z.name = 'north'");
    day.sql("INSERT INTO zone_tile (zone_id, project_id, tile_key) SELECT z.id, " + pid +
            ", t FROM zone z, unnest(ARRAY['" + tile(4) + "','" + tile(5) + "','" + tile(6) + "','" + tile(7) + "','" +
            tile(8) + "','" + tile(9) + "']) t WHERE z.name = 'south'");

    // Yesterday: one tile approved at the first review, one rejected.
    day.edit_at(tile(0), "cleo", 2, at(c, -1, "09:00"));
    day.edit_at(tile(0), "cleo", 1, at(c, -1, "09:05"));
    day.submit(tile(0), "cleo", at(c, -1, "09:10"));
    day.claim(tile(0), "rita", at(c, -1, "10:00"));
    day.verdict(tile(0), "rita", "approved", {}, at(c, -1, "10:04:30"));
    day.edit_at(tile(1), "dario", 3, at(c, -1, "09:20"));
    day.submit(tile(1), "dario", at(c, -1, "09:30"));
    day.claim(tile(1), "rita", at(c, -1, "11:00"));
    day.verdict(tile(1), "rita", "rejected", {"wrong_class", "incomplete"}, at(c, -1, "11:12"));
    day.edit_at(tile(6), "farid", 1, at(c, -1, "15:00"));
    day.conflict(tile(0), "dario", at(c, -1, "09:04"));

    // Today, as the server writes it.
    day.lease(tile(2), "cleo");
    for (int i = 0; i < 3; ++i) day.edit(tile(2), "cleo");
    day.submit(tile(2), "cleo");
    day.edit(tile(1), "dario");
    day.edit(tile(1), "dario");
    day.submit(tile(1), "dario");  // rework: dario's submission was rejected
    day.edit(tile(3), "emma");
    day.edit(tile(4), "emma");
    day.submit(tile(3), "emma");
    day.edit(tile(5), "farid");
    day.submit(tile(5), "farid");
    day.claim(tile(2), "rita");
    day.verdict(tile(2), "rita", "approved");
    day.claim(tile(1), "remi");
    day.verdict(tile(1), "remi", "rejected", {"wrong_boundary"});
    day.edit(tile(1), "emma");
    day.submit(tile(1), "emma");  // rework again for dario
    day.claim(tile(1), "rita");
    day.verdict(tile(1), "rita", "approved");  // approved for emma
    day.claim(tile(3), "remi");
    day.release(tile(3), "remi");
    day.claim(tile(3), "rita");
    day.lapse(tile(3));
    day.reopen(tile(3), "lena");  // no review open
    day.claim(tile(5), "lena");
    day.reopen(tile(5), "lena");  // ends lena's review
    day.edit(tile(5), "farid");
    day.submit(tile(5), "farid");  // not rework: nobody rejected it
    day.edit(tile(7), "farid");
    day.submit(tile(7), "farid");
    day.claim(tile(7), "remi");
    day.lapse(tile(7));  // left submitted
    day.edit(tile(8), "cleo");
    day.submit(tile(8), "cleo");
    day.claim(tile(8), "rita");  // left in review
    day.conflict(tile(2), "emma");
    day.conflict(tile(2), "cleo");
    day.conflict(tile(4), "emma");
    // Quality issues written, removed and rewritten (one statement deletes and upserts).
    day.sql("INSERT INTO qc_issue (project_id, tile_key, key, code, blocking, features, x_cm, y_cm, message, found_seq) "
            "VALUES (" + pid + ", '" + tile(2) + "', 'a', 'sliver', false, '{1}', 0, 0, 'm', 1), (" + pid + ", '" +
            tile(2) + "', 'b', 'sliver', false, '{2}', 0, 0, 'm', 1), (" + pid + ", '" + tile(3) +
            "', 'c', 'below_mmu', true, '{3}', 0, 0, 'm', 1), (" + pid + ", '" + tile(4) +
            "', 'd', 'sliver', false, '{4}', 0, 0, 'm', 1), (" + pid + ", '" + tile(4) +
            "', 'e', 'gap', true, '{}', 0, 0, 'm', 1)");
    day.sql("WITH gone AS (DELETE FROM qc_issue WHERE project_id = " + pid + " AND tile_key = '" + tile(2) +
            "' AND key = 'a') INSERT INTO qc_issue (project_id, tile_key, key, code, blocking, features, x_cm, y_cm, "
            "message, found_seq) VALUES (" + pid + ", '" + tile(2) + "', 'f', 'gap', true, '{}', 0, 0, 'm', 2), (" + pid +
            ", '" + tile(4) + "', 'd', 'sliver', true, '{4}', 0, 0, 'm', 2) ON CONFLICT (project_id, tile_key, key) "
            "DO UPDATE SET blocking = EXCLUDED.blocking");
    day.sql("DELETE FROM qc_issue WHERE key = 'e'");
    // The south zone redefined during the day (as the zone store does: delete, insert); a new zone.
    day.sql("BEGIN; DELETE FROM zone_tile z USING zone n WHERE n.id = z.zone_id AND n.name = 'south'; "
            "INSERT INTO zone_tile (zone_id, project_id, tile_key) SELECT z.id, " + pid +
            ", t.key FROM zone z, tile t WHERE z.name = 'south' AND t.x_km >= 816; COMMIT");
    day.sql("INSERT INTO zone (project_id, name, kind, codes) VALUES (" + pid + ", 'west', 'tiles', '{}')");
    day.sql("INSERT INTO zone_tile (zone_id, project_id, tile_key) SELECT id, " + pid + ", '" + tile(0) +
            "' FROM zone WHERE name = 'west'");

    reconcile(day, dash, project);

    // A few figures by hand.
    std::map<std::string, store::ContributorFigures> by_name;
    for (const auto& f : dash.contributors(project, std::nullopt, {})) by_name[f.username] = f;
    EXPECT_EQ(by_name["dario"].rejected, 2);
    EXPECT_EQ(by_name["dario"].rework, 2);
    EXPECT_EQ(by_name["dario"].approval_rate(), 0.0);
    EXPECT_EQ(by_name["emma"].approved, 1);
    EXPECT_EQ(by_name["emma"].tiles_submitted, 2);
    EXPECT_EQ(by_name["farid"].submissions, 3);
    EXPECT_EQ(by_name["farid"].tiles_submitted, 2);
    EXPECT_EQ(by_name["farid"].rework, 0);
    EXPECT_EQ(by_name["cleo"].change_sets, 6);
    EXPECT_EQ(states_now(dash, project, "in_review"), 1);
    EXPECT_EQ(states_now(dash, project, "submitted"), 2);
    std::map<std::string, store::ControllerFigures> reviewers;
    for (const auto& f : dash.controllers(project, std::nullopt)) reviewers[f.username] = f;
    EXPECT_EQ(reviewers["rita"].claimed, 6);
    EXPECT_EQ(reviewers["rita"].lapsed, 1);
    EXPECT_EQ(reviewers["remi"].released, 1);
    EXPECT_EQ(reviewers["remi"].lapsed, 1);
    EXPECT_EQ(reviewers["lena"].released, 1) << "a reopening ends the review";
    EXPECT_EQ(reviewers["rita"].reasons["wrong_class"], 1);
    const auto zone = dash.zone_id(project, "south");
    ASSERT_TRUE(zone);
    const auto south = dash.states(project, zone);
    ASSERT_EQ(south.size(), 1u);
    EXPECT_EQ(south[0].tiles(), 6);
    EXPECT_NEAR(south[0].area_m2(), 5.75e6, 1e-3) << "five squares and one clipped";

    // The rollups the triggers kept are what the whole log gives.
    const auto kept = read_everything(dash, project, *zone);
    const auto memory = [&] {
        pqxx::read_transaction tx(c);
        std::vector<std::string> rows;
        for (const auto& row : tx.exec("SELECT d::text FROM dash_tile d ORDER BY tile_key"))
            rows.push_back(row[0].c_str());
        return rows;
    };
    const auto kept_memory = memory();
    dash.rebuild(project);
    expect_same(kept, read_everything(dash, project, *zone));
    EXPECT_EQ(kept_memory, memory()) << "each tile's review memory too";

    // And the triggers carry on from a rebuild: a rejection and a resubmission.
    day.claim(tile(5), "remi");
    day.verdict(tile(5), "remi", "rejected", {"other", "missed_change"});
    day.edit(tile(5), "farid");
    day.submit(tile(5), "farid");
    reconcile(day, dash, project);
    for (const auto& f : dash.contributors(project, std::nullopt, {})) {
        if (f.username == "farid") {
            EXPECT_EQ(f.rework, 1);
        }
    }
}

TEST(DashboardsDb, RangesAndEmptyProjects) {
    test::TestDatabase db;
    Script day(db.url());
    store::Database pool(db.url(), 1);
    store::DashboardStore dash(pool);
    const store::ProjectRecord project{day.project, "dash"};
    const auto states = dash.states(project, std::nullopt);
    ASSERT_EQ(states.size(), 1u) << "an empty project still has its line";
    EXPECT_EQ(states[0].tiles(), 0);
    EXPECT_TRUE(dash.progress(project, std::nullopt, {}).empty());
    EXPECT_TRUE(dash.throughput(project, {}).empty());
    EXPECT_TRUE(dash.contributors(project, std::nullopt, {}).empty());
    EXPECT_TRUE(dash.qc(project).empty());
    EXPECT_EQ(dash.conflicts(project, {}, 10).total, 0);

    auto& c = day.conn();
    day.import(tile(0), 810, 6800, false, at(c, -3, "08:00"));
    day.import(tile(1), 811, 6800, false, at(c, -3, "08:00"));
    day.edit_at(tile(0), "cleo", 1, at(c, -2, "09:00"));
    day.submit(tile(0), "cleo", at(c, -1, "09:00"));
    const auto first = at(c, -3, "00:00").substr(0, 10);
    const auto last = at(c, -1, "00:00").substr(0, 10);
    // The burn-down carries the counts through days without a change, and starts where asked.
    const auto all = dash.progress(project, std::nullopt, {});
    ASSERT_EQ(all.size(), 3u);
    EXPECT_EQ(all[0].day, first);
    EXPECT_EQ(all[2].day, last);
    EXPECT_EQ(all[2].tiles[0], 1);  // todo
    EXPECT_EQ(all[2].tiles[2], 1);  // submitted
    const auto tail = dash.progress(project, std::nullopt, {last, ""});
    ASSERT_EQ(tail.size(), 1u);
    EXPECT_EQ(tail[0].tiles, all[2].tiles) << "counts from before the range are carried in";
    const auto days = dash.throughput(project, {first, last});
    ASSERT_EQ(days.size(), 3u) << "every day of the range, active or not";
    EXPECT_EQ(days[1].change_sets, 1);
    EXPECT_EQ(days[2].submissions, 1);
    day.conflict(tile(0), "cleo", at(c, -3, "10:00"));
    day.conflict(tile(0), "dario", at(c, -3, "11:00"));
    day.conflict(tile(1), "dario", at(c, -1, "10:00"));
    const auto conflicts = dash.conflicts(project, {last, last}, 10);
    EXPECT_EQ(conflicts.total, 1);
    ASSERT_EQ(conflicts.tiles.size(), 1u);
    EXPECT_EQ(conflicts.tiles[0].tile, tile(1));
    ASSERT_EQ(conflicts.users.size(), 1u);
    EXPECT_EQ(conflicts.users[0].username, "dario");
    const auto everything = dash.conflicts(project, {}, 1);
    EXPECT_EQ(everything.total, 3);
    ASSERT_EQ(everything.tiles.size(), 1u) << "the limit";
    EXPECT_EQ(everything.tiles[0].tile, tile(0));
    EXPECT_EQ(everything.tiles[0].users, 2);
    EXPECT_EQ(everything.users[0].username, "dario");
    EXPECT_EQ(everything.users[0].tiles, 2);
    EXPECT_EQ(dash.contributors(project, std::nullopt, {last, last})[0].change_sets, 0);
    EXPECT_EQ(dash.contributors(project, std::nullopt, {last, last})[0].submissions, 1);
}

// A backlog longer than one fold batch (events and quality-issue changes alike) is folded in
// several transactions, to the same figures as the raw tables.
TEST(DashboardsDb, ABacklogOfSeveralBatchesFoldsToTheRawTables) {
    test::TestDatabase db;
    Script day(db.url());
    store::Database pool(db.url(), 2);
    store::DashboardStore dash(pool);
    const store::ProjectRecord project{day.project, "dash"};
    const auto pid = std::to_string(day.project);
    for (int i = 0; i < 3; ++i) day.import(tile(i), 810 + i, 6800, false, "2026-11-20T08:00:00Z");
    const std::vector<std::string> people{"cleo", "dario", "emma"};
    for (int k = 0; k < 1300; ++k) {
        day.edit_at(tile(k % 3), people[static_cast<std::size_t>(k % 3)], 1 + k % 4, "2026-11-20T09:00:00Z");
        if (k == 700) day.submit(tile(1), "dario", "2026-11-20T10:00:00Z");  // a move in the middle of it
    }
    // Quality issues one statement at a time (each queues its own change), some removed again.
    for (int k = 0; k < 1200; ++k)
        day.sql("INSERT INTO qc_issue (project_id, tile_key, key, code, blocking, features, x_cm, y_cm, message, "
                "found_seq) VALUES (" + pid + ", '" + tile(k % 3) + "', 'k" + std::to_string(k) + "', '" +
                (k % 2 ? "sliver" : "gap") + "', " + (k % 5 ? "false" : "true") + ", '{}', 0, 0, 'm', 1)");
    for (int k = 0; k < 1200; k += 3) day.sql("DELETE FROM qc_issue WHERE key = 'k" + std::to_string(k) + "'");
    {
        pqxx::read_transaction tx(day.conn());
        EXPECT_GT(tx.exec1("SELECT count(*) FROM dash_pending")[0].as<int>(), 1000);
        EXPECT_GT(tx.exec1("SELECT count(*) FROM dash_qc_pending")[0].as<int>(), 1000);
    }
    reconcile(day, dash, project);
    pqxx::read_transaction tx(day.conn());
    EXPECT_EQ(tx.exec1("SELECT count(*) FROM dash_pending")[0].as<int>(), 0);
    EXPECT_EQ(tx.exec1("SELECT count(*) FROM dash_qc_pending")[0].as<int>(), 0);
    for (const auto& f : dash.contributors(project, std::nullopt, {})) {
        if (f.username == "dario") {
            EXPECT_EQ(f.change_sets, 433);
        }
    }
}
