#pragma once

// The (CS, US) classes the demo produces, their priorities when source polygons overlap, how
// often the simulated AI model gets each wrong, and how each looks in the rendered imagery.
// Constant tables; thread-safe.

#include <cstdint>
#include <span>
#include <string_view>

namespace tessera::demo {

// One land class = one distinct (code_cs, code_us) pair of leaf codes, so that "same class" is
// exactly "same CS and US" and merging by class gives the partition rule of SPEC §1.
enum class LandClass : std::uint8_t {
    building,       // CS1.1.1.1 US235  houses, church, services
    farm_building,  // CS1.1.1.1 US1.1  barns, sheds, stables
    paved,          // CS1.1.1.2 US235  squares, yards, "usoirs" in front of Lorraine houses
    road,           // CS1.1.1.2 US4.1.1 roads and car parks
    farmyard,       // CS1.1.1.2 US1.1  paved farmyards
    track,          // CS1.1.2.1 US4.1.1 gravel agricultural and forest tracks
    railway,        // CS1.1.2.1 US4.1.2 ballasted track
    mineral_site,   // CS1.1.2.1 US235  cemeteries (graves and gravel alleys)
    water,          // CS1.2.2 US6.3    rivers, streams, ponds without transport use
    navigable,      // CS1.2.2 US4.1.4  navigable rivers and canals
    basin,          // CS1.2.2 US4.3    retention and fire-water basins
    broadleaf,      // CS2.1.1.1 US1.2
    conifer,        // CS2.1.1.2 US1.2
    mixed_forest,   // CS2.1.1.3 US1.2
    orchard,        // CS2.1.1.1 US1.1
    scrub,          // CS2.1.2 US6.3
    vineyard,       // CS2.1.3 US1.1
    arable,         // CS2.2.1 US1.1    arable land and grazed meadows alike
    fallow,         // CS2.2.1 US6.3    unused grassland, wet meadows
    garden,         // CS2.2.1 US235    gardens, lawns, sports grounds in villages
    brownfield,     // CS2.2.1 US6.2    abandoned, revegetated sites
};
inline constexpr std::size_t land_class_count = 21;

// How a polygon is painted in the imagery; finer than LandClass (a meadow and a wheat field
// share a class but not a look).
enum class Look : std::uint8_t {
    arable,          // crop stripes in the field's own direction
    arable_patches,  // arable land without parcel geometry: fields from cellular noise
    meadow,
    fallow,
    broadleaf,
    conifer,
    mixed_forest,
    orchard,
    scrub,
    vineyard,
    water,
    road,
    track,
    paved,
    roof_tile,
    roof_grey,
    garden,
    cemetery,
    rail,
};

// Per-polygon look parameters: orientation (stripes, roof ridge), a tint in [0, 1) and a centre
// (roof halves). Chosen once by the territory source so the imagery is stable.
struct Appearance {
    Look look = Look::arable;
    float angle = 0;   // radians, stripe or ridge direction
    float tint = 0.5f;
    float cx = 0, cy = 0;
};

struct ClassInfo {
    LandClass cls;
    std::string_view name;
    std::string_view code_cs;
    std::string_view code_us;
    // Share of polygons of this class the simulated model labels wrongly, and the classes it
    // mistakes it for (first is the likeliest).
    double confusion_rate;
    LandClass confused_as[2];
};

const ClassInfo& class_info(LandClass cls);
std::span<const ClassInfo> all_classes();

// Priorities when source polygons overlap: lower wins. Buildings sit on roads' verges, roads
// cross rivers on bridges, water cuts woods and gardens, villages cut farmland.
namespace priority {
inline constexpr int building = 0;
inline constexpr int road = 10;
inline constexpr int track = 12;
inline constexpr int railway = 14;
inline constexpr int water = 20;
inline constexpr int paved = 30;
inline constexpr int built_up = 40;  // residential / industrial landuse, gardens
inline constexpr int riparian = 45;
inline constexpr int forest = 50;
inline constexpr int scrub = 55;
inline constexpr int meadow = 60;
inline constexpr int farmland = 70;
}  // namespace priority

}  // namespace tessera::demo
