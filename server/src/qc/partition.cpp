#include <algorithm>

#include "qc/detail_coverage.hpp"
#include "qc/detail_geometry.hpp"
#include "qc/qc.hpp"

namespace tessera::qc {

CoverageAnalysis::CoverageAnalysis(const tiles::Box& tile, const std::vector<geo::RingsCm>& polygons) {
    const detail::Frame frame(tile);
    std::vector<detail::Prepared> prepared(polygons.size());
    for (std::size_t i = 0; i < polygons.size(); ++i) {
        auto rings = polygons[i];
        for (std::size_t r = 0; r < rings.size(); ++r) {
            // Shells counter-clockwise, holes clockwise: what the coverage test reads.
            const auto a = detail::area2({geo::RingsCm{rings[r]}});
            if ((r == 0 && a < 0) || (r > 0 && a > 0)) std::reverse(rings[r].begin(), rings[r].end());
            for (const auto& p : rings[r]) prepared[i].envelope.expand(p);
        }
        prepared[i].shape = detail::Shape::valid;
        prepared[i].cover.push_back(std::move(rings));
    }
    auto kept = std::make_shared<Kept>();
    kept->coverage = detail::analyse_coverage(prepared, frame.tile, std::vector<bool>(polygons.size(), false));
    kept->covers.reserve(prepared.size());
    for (auto& p : prepared) kept->covers.push_back(std::move(p.cover));
    m_kept = std::move(kept);
}

std::vector<PartitionTrouble> CoverageAnalysis::trouble() const {
    std::vector<PartitionTrouble> out;
    for (const auto& t : m_kept->coverage.trouble) out.push_back({t.box.min_x, t.box.min_y, t.box.max_x, t.box.max_y});
    return out;
}

bool CoverageAnalysis::exact() const { return m_kept->coverage.trouble.empty(); }

std::vector<PartitionTrouble> partition_trouble(const tiles::Box& tile, const std::vector<geo::RingsCm>& polygons) {
    return CoverageAnalysis(tile, polygons).trouble();
}

bool exact_partition(const tiles::Box& tile, const std::vector<geo::RingsCm>& polygons) {
    return CoverageAnalysis(tile, polygons).exact();
}

}  // namespace tessera::qc
