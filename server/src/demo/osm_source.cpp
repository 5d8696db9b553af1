#include "demo/osm_source.hpp"

#include <array>
#include <cmath>
#include <stdexcept>

#include <cpl_error.h>
#include <gdal_priv.h>
#include <ogr_spatialref.h>
#include <ogrsf_frmts.h>

#include "demo/geos_ops.hpp"
#include "demo/random.hpp"

namespace tessera::demo {

namespace {

using L = LandClass;

// ---------------------------------------------------------------------------------------------
// OSM tags → OCS GE (CS, US). First matching rule wins; "*" matches any value except "no".
// Priorities (classes.hpp) settle overlaps: buildings > roads > water > built-up landuse >
// forest > meadow > farmland; land no rule covers is herbaceous agriculture (CS2.2.1 / US1.1),
// which is what the open land of this plateau is.
// ---------------------------------------------------------------------------------------------
struct AreaRule {
    std::string_view key, value;
    LandClass cls;
    int priority;
    Look look;
    std::string_view why;
};

constexpr std::array area_rules{
    // Agricultural buildings keep the building cover but take the farm's use (US1.1).
    AreaRule{"building", "farm_auxiliary", L::farm_building, priority::building, Look::roof_grey, "barn, shed of a farm"},
    AreaRule{"building", "barn", L::farm_building, priority::building, Look::roof_grey, "barn"},
    AreaRule{"building", "cowshed", L::farm_building, priority::building, Look::roof_grey, "livestock building"},
    AreaRule{"building", "stable", L::farm_building, priority::building, Look::roof_grey, "livestock building"},
    AreaRule{"building", "sty", L::farm_building, priority::building, Look::roof_grey, "livestock building"},
    AreaRule{"building", "farm", L::farm_building, priority::building, Look::roof_grey, "farmhouse of an exploitation"},
    AreaRule{"building", "greenhouse", L::farm_building, priority::building, Look::roof_grey, "horticulture"},
    AreaRule{"building", "silo", L::farm_building, priority::building, Look::roof_grey, "grain storage"},
    // Every other building: houses, church, town hall, post office, workshops. US235 is the
    // merged secondary / tertiary / residential use OCS GE gives such mixed village fabric.
    AreaRule{"building", "*", L::building, priority::building, Look::roof_tile, "houses and services"},
    // Car parks are sealed, non-built ground serving the road network.
    AreaRule{"amenity", "parking", L::road, priority::road, Look::paved, "car park"},
    // Graves and gravel alleys are permeable mineral ground; a cemetery is a public service.
    AreaRule{"landuse", "cemetery", L::mineral_site, priority::paved, Look::cemetery, "cemetery"},
    AreaRule{"amenity", "grave_yard", L::mineral_site, priority::paved, Look::cemetery, "churchyard"},
    // Basins and reservoirs here are stormwater retention and fire-water reserves ("égayoir"):
    // a utility network use (US4.3) rather than natural water.
    AreaRule{"landuse", "basin", L::basin, priority::water, Look::water, "retention or fire-water basin"},
    AreaRule{"landuse", "reservoir", L::basin, priority::water, Look::water, "reservoir"},
    // Ponds and river surfaces: water without a transport use (the Saulx is not navigable).
    AreaRule{"natural", "water", L::water, priority::water, Look::water, "pond, river surface"},
    AreaRule{"waterway", "riverbank", L::water, priority::water, Look::water, "river surface"},
    // Residential landuse is the ground between the buildings and streets drawn above it:
    // gardens and lawns, herbaceous with residential use.
    AreaRule{"landuse", "residential", L::garden, priority::built_up, Look::garden, "gardens between houses"},
    AreaRule{"landuse", "industrial", L::paved, priority::built_up, Look::paved, "yards of workshops"},
    AreaRule{"landuse", "commercial", L::paved, priority::built_up, Look::paved, "shop car parks and yards"},
    AreaRule{"landuse", "retail", L::paved, priority::built_up, Look::paved, "shop car parks and yards"},
    AreaRule{"landuse", "farmyard", L::farmyard, priority::built_up, Look::paved, "sealed yard of a farm"},
    AreaRule{"landuse", "railway", L::railway, priority::built_up, Look::rail, "railway land"},
    // An abandoned site that vegetation has taken back: herbaceous, abandoned use (US6.2).
    AreaRule{"landuse", "brownfield", L::brownfield, priority::built_up, Look::fallow, "abandoned site"},
    // Sports grounds, parks and village greens: grass with a tertiary / residential use.
    AreaRule{"leisure", "pitch", L::garden, priority::built_up, Look::garden, "sports ground"},
    AreaRule{"leisure", "park", L::garden, priority::built_up, Look::garden, "park"},
    AreaRule{"leisure", "playground", L::garden, priority::built_up, Look::garden, "playground"},
    AreaRule{"leisure", "garden", L::garden, priority::built_up, Look::garden, "garden"},
    AreaRule{"landuse", "village_green", L::garden, priority::built_up, Look::garden, "village green"},
    AreaRule{"landuse", "recreation_ground", L::garden, priority::built_up, Look::garden, "recreation ground"},
    AreaRule{"landuse", "grass", L::garden, priority::built_up, Look::garden, "mown grass in villages"},
    // Woods: broadleaved unless leaf_type (or the Corine code copied into the tags) says
    // otherwise — the Meuse plateau forests are oak and beech. Wood production use (US1.2).
    AreaRule{"landuse", "forest", L::broadleaf, priority::forest, Look::broadleaf, "forest"},
    AreaRule{"natural", "wood", L::broadleaf, priority::forest, Look::broadleaf, "wood"},
    AreaRule{"landuse", "orchard", L::orchard, priority::scrub, Look::orchard, "orchard: trees, agricultural use"},
    AreaRule{"landuse", "vineyard", L::vineyard, priority::scrub, Look::vineyard, "vines are CS2.1.3"},
    AreaRule{"natural", "scrub", L::scrub, priority::scrub, Look::scrub, "shrubs without use"},
    AreaRule{"natural", "heath", L::scrub, priority::scrub, Look::scrub, "heath without use"},
    AreaRule{"natural", "grassland", L::fallow, priority::meadow, Look::fallow, "grassland without use"},
    // Meadows are grazed or mown: herbaceous agriculture, like arable land; they differ only in
    // look.
    AreaRule{"landuse", "meadow", L::arable, priority::meadow, Look::meadow, "grazed or mown meadow"},
    AreaRule{"landuse", "farmland", L::arable, priority::farmland, Look::arable_patches, "arable land"},
};

// Linear features become corridors of their usual width, rural French standards: roads
// including shoulders, rivers at their bank-full width here. Footpaths (< 2 m), ditches and
// tunnels are not visible from the air and are skipped.
struct LineRule {
    std::string_view key, value;
    double width_m;
    LandClass cls;
    int priority;
    Look look;
};

constexpr std::array line_rules{
    LineRule{"highway", "motorway", 25, L::road, priority::road, Look::road},
    LineRule{"highway", "trunk", 14, L::road, priority::road, Look::road},
    LineRule{"highway", "primary", 12, L::road, priority::road, Look::road},
    LineRule{"highway", "secondary", 10, L::road, priority::road, Look::road},
    LineRule{"highway", "tertiary", 8, L::road, priority::road, Look::road},
    LineRule{"highway", "unclassified", 6, L::road, priority::road, Look::road},
    LineRule{"highway", "residential", 6, L::road, priority::road, Look::road},
    LineRule{"highway", "road", 6, L::road, priority::road, Look::road},
    LineRule{"highway", "living_street", 5, L::road, priority::road, Look::road},
    LineRule{"highway", "service", 5, L::road, priority::road, Look::road},
    // Agricultural and forest tracks are gravel: permeable mineral ground, road network use.
    LineRule{"highway", "track", 4, L::track, priority::track, Look::track},
    LineRule{"railway", "rail", 8, L::railway, priority::railway, Look::rail},
    LineRule{"waterway", "canal", 15, L::navigable, priority::water, Look::water},
    LineRule{"waterway", "river", 12, L::water, priority::water, Look::water},
    LineRule{"waterway", "stream", 3, L::water, priority::water, Look::water},
};

bool matches(const Tags& tags, std::string_view key, std::string_view value) {
    const std::string_view v = tag_value(tags, key);
    if (v.empty() || v == "no") return false;
    return value == "*" || v == value;
}

// leaf_type, or the Corine Land Cover code some contributors imported (311 broadleaved,
// 312 coniferous, 313 mixed), picks the forest class.
LandClass forest_class(const Tags& tags, Look& look) {
    const std::string_view leaf = tag_value(tags, "leaf_type");
    const std::string_view clc = tag_value(tags, "CLC:code");
    if (leaf == "needleleaved" || (leaf.empty() && clc == "312")) {
        look = Look::conifer;
        return L::conifer;
    }
    if (leaf == "mixed" || (leaf.empty() && clc == "313")) {
        look = Look::mixed_forest;
        return L::mixed_forest;
    }
    look = Look::broadleaf;
    return L::broadleaf;
}

[[noreturn]] void fail(const std::filesystem::path& file, const std::string& what) {
    throw std::runtime_error("demo: " + file.string() + ": " + what);
}

Tags read_tags(OGRFeature& feature) {
    Tags tags;
    static constexpr std::array skipped{"osm_id", "osm_way_id", "name", "z_order", "other_tags"};
    for (int i = 0; i < feature.GetFieldCount(); ++i) {
        if (!feature.IsFieldSetAndNotNull(i)) continue;
        const std::string_view name = feature.GetFieldDefnRef(i)->GetNameRef();
        bool skip = false;
        for (const char* s : skipped) skip = skip || name == s;
        if (!skip) tags.emplace_back(std::string(name), feature.GetFieldAsString(i));
    }
    const int other = feature.GetFieldIndex("other_tags");
    if (other >= 0 && feature.IsFieldSetAndNotNull(other)) parse_other_tags(feature.GetFieldAsString(other), tags);
    return tags;
}

geo::Geom to_geos(const geo::Context& ctx, const OGRGeometry& g) {
    std::vector<unsigned char> wkb(g.WkbSize());
    if (g.exportToWkb(wkbNDR, wkb.data(), wkbVariantIso) != OGRERR_NONE) return {};
    geo::Geom out = ctx.from_wkb(wkb.data(), wkb.size());
    if (!ctx.is_valid(out.get())) out = ctx.own(GEOSMakeValid_r(ctx.handle(), out.get()), "repairing an OSM polygon");
    return out;
}

OGRLayer* open_layer(GDALDataset& ds, const std::filesystem::path& file, const char* name) {
    OGRLayer* layer = ds.GetLayerByName(name);
    if (!layer) fail(file, std::string("no layer '") + name + "'");
    const OGRSpatialReference* srs = layer->GetSpatialRef();
    const char* code = srs ? srs->GetAuthorityCode(nullptr) : nullptr;
    if (!code || std::string_view(code) != "2154")
        fail(file, std::string("layer '") + name + "' is not in Lambert-93 (EPSG:2154)");
    return layer;
}

// The direction of a building's longest wall, for its roof ridge in the imagery.
double main_direction(const geo::Context& ctx, const GEOSGeometry* g) {
    std::vector<geo::Geom> polys = ctx.polygons(g);
    if (polys.empty()) return 0;
    const auto pts = coords(ctx, GEOSGetExteriorRing_r(ctx.handle(), polys.front().get()));
    double best = 0, angle = 0;
    for (std::size_t i = 1; i < pts.size(); ++i) {
        const double dx = pts[i].x - pts[i - 1].x, dy = pts[i].y - pts[i - 1].y;
        if (dx * dx + dy * dy > best) best = dx * dx + dy * dy, angle = std::atan2(dy, dx);
    }
    return angle;
}

}  // namespace

tiles::Box osm_extract_bbox() { return tiles::Box{866199, 6824291, 872618, 6833729}; }

tiles::Box default_osm_extent(std::int32_t tile_size_m) {
    const tiles::Box b = osm_extract_bbox();
    const double s = tile_size_m;
    return tiles::Box{std::ceil(b.min_x / s) * s, std::ceil(b.min_y / s) * s, std::floor(b.max_x / s) * s,
                      std::floor(b.max_y / s) * s};
}

void parse_other_tags(std::string_view text, Tags& out) {
    std::size_t i = 0;
    auto quoted = [&](std::string& s) {
        if (i >= text.size() || text[i] != '"') return false;
        for (++i; i < text.size(); ++i) {
            if (text[i] == '\\' && i + 1 < text.size()) {
                s.push_back(text[++i]);
            } else if (text[i] == '"') {
                ++i;
                return true;
            } else {
                s.push_back(text[i]);
            }
        }
        return false;
    };
    while (i < text.size()) {
        std::string key, value;
        if (!quoted(key)) return;
        if (text.substr(i, 2) != "=>") return;
        i += 2;
        if (!quoted(value)) return;
        out.emplace_back(std::move(key), std::move(value));
        if (i < text.size() && text[i] == ',') ++i;
    }
}

std::string_view tag_value(const Tags& tags, std::string_view key) {
    for (const auto& [k, v] : tags)
        if (k == key) return v;
    return {};
}

Territory read_osm_territory(const geo::Context& ctx, const std::filesystem::path& gpkg, const tiles::Box& extent,
                             std::uint64_t seed, OsmStats* stats) {
    if (!std::filesystem::is_regular_file(gpkg)) fail(gpkg, "not found");
    CPLErrorReset();
    GDALDatasetUniquePtr ds(GDALDataset::Open(gpkg.string().c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY));
    if (!ds) fail(gpkg, std::string("cannot open as a vector dataset: ") + CPLGetLastErrorMsg());

    Territory t;
    t.source = "osm";
    t.extent = extent;
    t.background = L::arable;
    t.background_look = Appearance{Look::arable_patches};
    OsmStats st;
    constexpr double margin = 30;  // corridors whose axis lies just outside still reach in

    OGRLayer* polygons = open_layer(*ds, gpkg, "multipolygons");
    polygons->SetSpatialFilterRect(extent.min_x - margin, extent.min_y - margin, extent.max_x + margin,
                                   extent.max_y + margin);
    polygons->ResetReading();
    for (auto& feature : *polygons) {
        ++st.polygons_read;
        const OGRGeometry* g = feature->GetGeometryRef();
        if (!g) continue;
        const Tags tags = read_tags(*feature);
        const AreaRule* rule = nullptr;
        for (const AreaRule& r : area_rules) {
            if (matches(tags, r.key, r.value)) {
                rule = &r;
                break;
            }
        }
        if (!rule) continue;
        geo::Geom geom = to_geos(ctx, *g);
        if (!geom || ctx.is_empty(geom.get())) continue;
        Rng rng(seed, 0x05A, static_cast<std::uint64_t>(feature->GetFID()));
        Appearance look{rule->look, 0, static_cast<float>(rng.uniform())};
        LandClass cls = rule->cls;
        if (cls == L::broadleaf) cls = forest_class(tags, look.look);
        if (cls == L::building || cls == L::farm_building) {
            const XY c = centroid(ctx, geom.get());
            look.angle = static_cast<float>(main_direction(ctx, geom.get()));
            look.cx = static_cast<float>(c.x);
            look.cy = static_cast<float>(c.y);
            // Large plain sheds in the fields are barns whatever their tag says: grey roofs.
            if (cls == L::building && ctx.area(geom.get()) > 400) look.look = Look::roof_grey;
        } else if (rule->look == Look::arable || rule->look == Look::vineyard) {
            look.angle = static_cast<float>(rng.uniform(0, 3.14159265));
        }
        t.items.push_back(Item{std::move(geom), cls, rule->priority, look});
        ++st.polygons_mapped;
    }

    OGRLayer* lines = open_layer(*ds, gpkg, "lines");
    lines->SetSpatialFilterRect(extent.min_x - margin, extent.min_y - margin, extent.max_x + margin,
                                extent.max_y + margin);
    lines->ResetReading();
    for (auto& feature : *lines) {
        ++st.lines_read;
        const OGRGeometry* g = feature->GetGeometryRef();
        if (!g) continue;
        const Tags tags = read_tags(*feature);
        if (tag_value(tags, "tunnel") == "yes" || tag_value(tags, "tunnel") == "culvert") continue;
        const LineRule* rule = nullptr;
        for (const LineRule& r : line_rules) {
            if (matches(tags, r.key, r.value)) {
                rule = &r;
                break;
            }
        }
        if (!rule) continue;
        std::vector<unsigned char> wkb(g->WkbSize());
        if (g->exportToWkb(wkbNDR, wkb.data(), wkbVariantIso) != OGRERR_NONE) continue;
        geo::Geom line = ctx.from_wkb(wkb.data(), wkb.size());
        Rng rng(seed, 0x11E, static_cast<std::uint64_t>(feature->GetFID()));
        t.items.push_back(Item{buffer_line(ctx, line.get(), rule->width_m, true), rule->cls, rule->priority,
                               Appearance{rule->look, 0, static_cast<float>(rng.uniform())}});
        ++st.lines_mapped;
    }
    if (stats) *stats = st;
    return t;
}

}  // namespace tessera::demo
