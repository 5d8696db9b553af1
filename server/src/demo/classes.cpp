#include "demo/classes.hpp"

#include <array>
#include <stdexcept>

namespace tessera::demo {

namespace {

using L = LandClass;

// Confusion rates follow what land-cover models typically get wrong from 20 cm orthophotos:
// forest types among themselves (mixed stands especially), grassland use (meadow vs. arable,
// used vs. unused), garden lawns vs. fields, small built-up items vs. the paved ground beside
// them. Large, spectrally clear classes (water, roads, arable) are rarely wrong.
constexpr std::array<ClassInfo, land_class_count> table{{
    {L::building, "building", "CS1.1.1.1", "US235", 0.06, {L::paved, L::farm_building}},
    {L::farm_building, "farm_building", "CS1.1.1.1", "US1.1", 0.15, {L::building, L::farmyard}},
    {L::paved, "paved", "CS1.1.1.2", "US235", 0.20, {L::road, L::building}},
    {L::road, "road", "CS1.1.1.2", "US4.1.1", 0.03, {L::paved, L::track}},
    {L::farmyard, "farmyard", "CS1.1.1.2", "US1.1", 0.25, {L::paved, L::farm_building}},
    {L::track, "track", "CS1.1.2.1", "US4.1.1", 0.15, {L::arable, L::road}},
    {L::railway, "railway", "CS1.1.2.1", "US4.1.2", 0.05, {L::track, L::road}},
    {L::mineral_site, "mineral_site", "CS1.1.2.1", "US235", 0.30, {L::garden, L::paved}},
    {L::water, "water", "CS1.2.2", "US6.3", 0.05, {L::fallow, L::navigable}},
    {L::navigable, "navigable", "CS1.2.2", "US4.1.4", 0.10, {L::water, L::road}},
    {L::basin, "basin", "CS1.2.2", "US4.3", 0.30, {L::water, L::fallow}},
    {L::broadleaf, "broadleaf", "CS2.1.1.1", "US1.2", 0.10, {L::mixed_forest, L::conifer}},
    {L::conifer, "conifer", "CS2.1.1.2", "US1.2", 0.12, {L::mixed_forest, L::broadleaf}},
    {L::mixed_forest, "mixed_forest", "CS2.1.1.3", "US1.2", 0.25, {L::broadleaf, L::conifer}},
    {L::orchard, "orchard", "CS2.1.1.1", "US1.1", 0.30, {L::garden, L::broadleaf}},
    {L::scrub, "scrub", "CS2.1.2", "US6.3", 0.30, {L::fallow, L::broadleaf}},
    {L::vineyard, "vineyard", "CS2.1.3", "US1.1", 0.15, {L::arable, L::orchard}},
    {L::arable, "arable", "CS2.2.1", "US1.1", 0.05, {L::fallow, L::garden}},
    {L::fallow, "fallow", "CS2.2.1", "US6.3", 0.30, {L::arable, L::scrub}},
    {L::garden, "garden", "CS2.2.1", "US235", 0.12, {L::arable, L::paved}},
    {L::brownfield, "brownfield", "CS2.2.1", "US6.2", 0.40, {L::fallow, L::arable}},
}};

constexpr bool table_in_enum_order() {
    for (std::size_t i = 0; i < table.size(); ++i)
        if (static_cast<std::size_t>(table[i].cls) != i) return false;
    return true;
}
static_assert(table_in_enum_order(), "class table must follow the LandClass order");

constexpr bool pairs_unique() {
    for (std::size_t i = 0; i < table.size(); ++i)
        for (std::size_t j = i + 1; j < table.size(); ++j)
            if (table[i].code_cs == table[j].code_cs && table[i].code_us == table[j].code_us) return false;
    return true;
}
static_assert(pairs_unique(), "each class must be a distinct (CS, US) pair");

}  // namespace

const ClassInfo& class_info(LandClass cls) {
    const auto i = static_cast<std::size_t>(cls);
    if (i >= table.size()) throw std::out_of_range("unknown demo land class");
    return table[i];
}

std::span<const ClassInfo> all_classes() { return table; }

}  // namespace tessera::demo
