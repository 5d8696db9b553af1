#include "support/bench_editor.hpp"

#include <cstdlib>
#include <iterator>
#include <stdexcept>

#include "api/codec.hpp"

namespace tessera::test {

BenchEditor::BenchEditor(unsigned short port, const std::string& token, std::string tile, std::uint64_t seed)
    : m_ws(port, {{"Authorization", "Bearer " + token}}), m_tile(std::move(tile)), m_rng(seed) {
    v1::ClientMessage m;
    m.set_request_id(++m_request);
    m.mutable_subscribe()->add_tile_keys(m_tile);
    m_ws.send(m);
    auto ack = answer(m_request);
    auto snap = answer(m_request);
    if (!snap.has_snapshot()) throw std::runtime_error("no snapshot for " + m_tile);
    answer(m_request);  // its quality report
    m_ox = snap.snapshot().origin_x_cm();
    m_oy = snap.snapshot().origin_y_cm();
    for (const auto& f : snap.snapshot().features()) {
        auto rings = api::decode_polygon(f.geometry(), m_ox, m_oy, 1'000'000);
        if (rings) m_features[f.id()] = {f.version(), f.code_cs(), f.code_us(), std::move(*rings)};
    }
}

v1::ServerMessage BenchEditor::answer(std::uint64_t id) {
    for (;;) {
        auto m = m_ws.receive(30000);
        if (!m) return {};
        if (m->request_id() == id) return *m;  // pushes (changes, presence) are skipped
    }
}

void BenchEditor::apply(const v1::ChangeAck& ack) {
    for (auto id : ack.deleted()) m_features.erase(id);
    for (const auto& f : ack.features()) {
        auto rings = api::decode_polygon(f.geometry(), m_ox, m_oy, 1'000'000);
        if (rings) m_features[f.id()] = {f.version(), f.code_cs(), f.code_us(), std::move(*rings)};
    }
}

BenchEditor::Outcome BenchEditor::edit() {
    if (m_features.empty()) return Outcome::error;
    auto it = m_features.begin();
    std::advance(it, static_cast<long>(m_rng() % m_features.size()));
    const auto id = it->first;
    const auto& f = it->second;
    v1::ClientMessage m;
    m.set_request_id(++m_request);
    auto* cs = m.mutable_change_set();
    cs->set_id(m_tile + "-" + std::to_string(m_rng()) + "-" + std::to_string(++m_change));
    cs->set_tile_key(m_tile);
    auto* op = cs->add_ops();
    // TESSERA_BENCH_MIX=classes limits the mix to set_class/confirm (to see what geometry costs).
    static const bool classes_only = [] {
        const char* mix = std::getenv("TESSERA_BENCH_MIX");
        return mix && std::string(mix) == "classes";
    }();
    const auto kind = m_rng() % (classes_only ? 7 : 10);
    if (kind < 4) {
        auto* s = op->mutable_set_class();
        s->mutable_feature()->set_id(id);
        s->mutable_feature()->set_version(f.version);
        s->set_code_us(f.us == "US6.3" ? "US1.1" : "US6.3");
    } else if (kind < 7) {
        op->mutable_confirm()->mutable_feature()->set_id(id);
        op->mutable_confirm()->mutable_feature()->set_version(f.version);
    } else {
        // The cells are convex: a line through the middle of the bounding box cuts them; a
        // reshape pulls one vertex 20 cm toward the middle.
        std::int64_t x0 = INT64_MAX, y0 = INT64_MAX, x1 = INT64_MIN, y1 = INT64_MIN;
        for (const auto& p : f.rings[0]) {
            x0 = std::min(x0, p.x), y0 = std::min(y0, p.y), x1 = std::max(x1, p.x), y1 = std::max(y1, p.y);
        }
        const std::int64_t cx = (x0 + x1) / 2, cy = (y0 + y1) / 2;
        if (kind < 9 && x1 - x0 > 400 && y1 - y0 > 400) {
            auto* sp = op->mutable_split();
            sp->mutable_feature()->set_id(id);
            sp->mutable_feature()->set_version(f.version);
            auto* line = sp->mutable_line();
            line->add_coords(x0 - 100 - m_ox);
            line->add_coords(cy - m_oy);
            line->add_coords(x1 - x0 + 200);
            line->add_coords(0);
        } else {
            auto rings = f.rings;
            auto& ring = rings[0];
            const std::size_t n = ring.size() - 1;
            const std::size_t k = static_cast<std::size_t>(m_rng() % n);
            auto& p = ring[k];
            const auto tile_x0 = m_ox, tile_y0 = m_oy;
            const bool on_border = p.x == tile_x0 || p.y == tile_y0 || p.x == tile_x0 + 100000 || p.y == tile_y0 + 100000;
            if (!on_border) {
                p.x += (cx > p.x) ? 20 : -20;
                p.y += (cy > p.y) ? 20 : -20;
                if (k == 0) ring[n] = p;
            }
            auto* r = op->mutable_reshape();
            r->mutable_feature()->set_id(id);
            r->mutable_feature()->set_version(f.version);
            api::encode_polygon(rings, m_ox, m_oy, *r->mutable_geometry());
        }
    }
    m_ws.send(m);
    auto a = answer(m_request);
    if (a.has_ack()) {
        apply(a.ack());
        return Outcome::ack;
    }
    if (a.has_conflict()) {
        for (const auto& c : a.conflict().current()) {
            auto rings = api::decode_polygon(c.geometry(), m_ox, m_oy, 1'000'000);
            if (rings) m_features[c.id()] = {c.version(), c.code_cs(), c.code_us(), std::move(*rings)};
        }
        for (auto g : a.conflict().gone()) m_features.erase(g);
        return Outcome::conflict;
    }
    if (a.has_error()) {
        // Our local copy may be stale (a neighbour changed by our own reshape): refresh it.
        if (a.error().code() == v1::ERROR_CODE_INVALID_ARGUMENT) m_features.erase(id);
        return Outcome::error;
    }
    return Outcome::timeout;
}

}  // namespace tessera::test
