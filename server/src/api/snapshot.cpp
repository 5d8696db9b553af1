#include "api/snapshot.hpp"

#include "api/codec.hpp"
#include "core/log.hpp"

namespace tessera::api {

v1::TileState tile_state_from(const std::string& state) {
    if (state == "todo") return v1::TILE_STATE_TODO;
    if (state == "in_progress") return v1::TILE_STATE_IN_PROGRESS;
    if (state == "submitted") return v1::TILE_STATE_SUBMITTED;
    if (state == "in_review") return v1::TILE_STATE_IN_REVIEW;
    if (state == "approved") return v1::TILE_STATE_APPROVED;
    if (state == "rejected") return v1::TILE_STATE_REJECTED;
    if (state == "published") return v1::TILE_STATE_PUBLISHED;
    return v1::TILE_STATE_UNSPECIFIED;
}

void build_snapshot(const store::TileSnapshotRecord& record, const tiles::Grid& grid, v1::TileSnapshot& out,
                    std::size_t* skipped) {
    const tiles::TileKey key{record.tile.x_km, record.tile.y_km};
    const auto box = grid.bounds(key);
    const auto ox = static_cast<std::int64_t>(box.min_x * 100);
    const auto oy = static_cast<std::int64_t>(box.min_y * 100);
    out.set_tile_key(record.tile.key);
    out.set_state(tile_state_from(record.tile.state));
    out.set_seq(static_cast<std::uint64_t>(record.tile.seq));
    out.set_origin_x_cm(ox);
    out.set_origin_y_cm(oy);
    out.set_size_m(static_cast<std::uint32_t>(grid.size_m()));
    out.mutable_features()->Reserve(static_cast<int>(record.features.size()));
    for (const auto& f : record.features) {
        std::string error;
        auto rings = geo::polygon_from_wkb(f.wkb, &error);
        if (!rings) {
            core::log_error("feature ", f.id, " of tile ", record.tile.key, " has unreadable geometry: ", error);
            if (skipped) ++*skipped;
            continue;
        }
        auto* wf = out.add_features();
        wf->set_id(f.id);
        wf->set_version(static_cast<std::uint32_t>(f.version));
        wf->set_code_cs(f.code_cs);
        wf->set_code_us(f.code_us);
        wf->set_reviewed(f.reviewed);
        wf->set_updated_at_ms(f.updated_at_ms);
        if (!f.pred_cs.empty() || f.pred_confidence) {
            auto* p = wf->mutable_prediction();
            p->set_code_cs(f.pred_cs);
            p->set_code_us(f.pred_us);
            if (f.pred_confidence) p->set_confidence(*f.pred_confidence);
        }
        encode_polygon(*rings, ox, oy, *wf->mutable_geometry());
    }
}

}  // namespace tessera::api
