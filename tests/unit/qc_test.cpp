// Quality control (SPEC §5) on hand-made tiles: the WKT case files of tests/unit/qc_cases (see
// the README there), each also checked incrementally, one feature at a time; then the rules
// file and coherence table parsers, and what the case format cannot express.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <unistd.h>

#include <gtest/gtest.h>

#include "core/nomenclature.hpp"
#include "geo/geos.hpp"
#include "geo/wkb.hpp"
#include "qc/qc.hpp"

using tessera::core::Nomenclature;
using tessera::qc::Feature;
using tessera::qc::Issue;
using tessera::qc::Rules;
using tessera::qc::RulesError;
using tessera::qc::Severity;
using tessera::tiles::Box;

namespace {

const std::filesystem::path cases_dir = std::filesystem::path(TESSERA_SOURCE_DIR) / "tests/unit/qc_cases";

std::string wkb_of(const std::string& wkt) {
    tessera::geo::Context ctx;
    auto g = ctx.from_wkt(wkt);
    return ctx.to_wkb(g.get());
}

struct Expected {
    std::string code;
    std::vector<std::int64_t> features;
    std::optional<double> area_m2;
    std::optional<Severity> severity;
};

struct Case {
    Box tile;
    std::optional<Box> neighbour;
    std::string rules_text;
    std::vector<Feature> features, across;
    std::vector<Expected> expected;
    bool expect_none = false;
};

Box read_box(std::istringstream& in, const std::string& where) {
    Box b;
    if (!(in >> b.min_x >> b.min_y >> b.max_x >> b.max_y)) throw std::runtime_error(where + ": expected 4 numbers");
    return b;
}

Feature read_feature(const std::string& rest, const std::string& where) {
    const auto colon = rest.find(" : ");
    if (colon == std::string::npos) throw std::runtime_error(where + ": expected ' : WKT'");
    std::istringstream head(rest.substr(0, colon));
    Feature f;
    if (!(head >> f.id >> f.code_cs >> f.code_us)) throw std::runtime_error(where + ": expected ID CS US");
    if (f.code_cs == "-") f.code_cs.clear();
    if (f.code_us == "-") f.code_us.clear();
    std::string flag;
    while (head >> flag) {
        if (flag == "predicted") f.predicted = true;
        else if (flag == "reviewed") f.reviewed = true;
        else if (flag.rfind("confidence=", 0) == 0) f.confidence = std::stod(flag.substr(11));
        else throw std::runtime_error(where + ": unknown flag " + flag);
    }
    f.wkb = wkb_of(rest.substr(colon + 3));
    return f;
}

Case read_case(const std::filesystem::path& path) {
    std::ifstream in(path);
    if (!in) throw std::runtime_error("cannot open " + path.string());
    Case c;
    std::string line;
    int number = 0;
    bool has_tile = false;
    while (std::getline(in, line)) {
        ++number;
        if (auto hash = line.find('#'); hash != std::string::npos) line.erase(hash);
        std::istringstream words(line);
        std::string word;
        if (!(words >> word)) continue;
        const std::string where = path.filename().string() + ":" + std::to_string(number);
        std::string rest;
        std::getline(words, rest);
        std::istringstream rest_in(rest);
        if (word == "tile") {
            c.tile = read_box(rest_in, where);
            has_tile = true;
        } else if (word == "neighbour") {
            c.neighbour = read_box(rest_in, where);
        } else if (word == "rule") {
            c.rules_text += rest + "\n";
        } else if (word == "feature") {
            c.features.push_back(read_feature(rest, where));
        } else if (word == "across") {
            c.across.push_back(read_feature(rest, where));
        } else if (word == "expect") {
            Expected e;
            if (!(rest_in >> e.code)) throw std::runtime_error(where + ": expected a code");
            if (e.code == "none") {
                c.expect_none = true;
                continue;
            }
            std::string token;
            while (rest_in >> token) {
                if (token.rfind("area=", 0) == 0) e.area_m2 = std::stod(token.substr(5));
                else if (auto s = tessera::qc::parse_severity(token)) e.severity = s;
                else e.features.push_back(std::stoll(token));
            }
            std::sort(e.features.begin(), e.features.end());
            c.expected.push_back(std::move(e));
        } else {
            throw std::runtime_error(where + ": unknown statement " + word);
        }
    }
    if (!has_tile) throw std::runtime_error(path.string() + ": no tile");
    if (c.expect_none != c.expected.empty())
        throw std::runtime_error(path.string() + ": say 'expect none' or list issues, not both");
    return c;
}

std::string describe(const std::vector<Issue>& issues) {
    std::string out;
    for (const auto& i : issues)
        out += "  " + i.key() + " [" + std::string(tessera::qc::to_string(i.severity)) + "] area=" +
               std::to_string(i.area_m2) + " at " + std::to_string(i.location.x) + "," + std::to_string(i.location.y) +
               ": " + i.message + "\n";
    return out;
}

bool involves(const Issue& issue, std::int64_t id) {
    return std::find(issue.features.begin(), issue.features.end(), id) != issue.features.end();
}

// The features whose envelope comes within `margin` metres of feature `id`'s.
std::vector<Feature> neighbourhood(const std::vector<Feature>& all, std::int64_t id, double margin) {
    tessera::geo::Context ctx;
    auto envelope = [&](const Feature& f) {
        auto parts = tessera::geo::polygons_from_wkb(f.wkb);
        Box b{1e300, 1e300, -1e300, -1e300};
        for (const auto& rings : *parts)
            for (const auto& ring : rings)
                for (const auto& p : ring) {
                    b.min_x = std::min(b.min_x, p.x / 100.0);
                    b.min_y = std::min(b.min_y, p.y / 100.0);
                    b.max_x = std::max(b.max_x, p.x / 100.0);
                    b.max_y = std::max(b.max_y, p.y / 100.0);
                }
        return b;
    };
    const auto& touched = *std::find_if(all.begin(), all.end(), [&](const Feature& f) { return f.id == id; });
    const Box t = envelope(touched);
    std::vector<Feature> out;
    for (const auto& f : all) {
        const Box b = envelope(f);
        if (b.min_x <= t.max_x + margin && t.min_x - margin <= b.max_x && b.min_y <= t.max_y + margin &&
            t.min_y - margin <= b.max_y)
            out.push_back(f);
    }
    return out;
}

void expect_same_issues(const std::vector<Issue>& expected, const std::vector<Issue>& actual, const std::string& what) {
    ASSERT_EQ(expected.size(), actual.size()) << what << "\nexpected:\n"
                                              << describe(expected) << "got:\n"
                                              << describe(actual);
    for (std::size_t i = 0; i < expected.size(); ++i) {
        EXPECT_EQ(expected[i].key(), actual[i].key()) << what;
        EXPECT_EQ(expected[i].severity, actual[i].severity) << what << " " << expected[i].key();
        EXPECT_EQ(expected[i].location, actual[i].location) << what << " " << expected[i].key();
        EXPECT_EQ(expected[i].message, actual[i].message) << what;
        EXPECT_DOUBLE_EQ(expected[i].area_m2, actual[i].area_m2) << what << " " << expected[i].key();
    }
}

std::vector<std::string> case_names() {
    std::vector<std::string> names;
    for (const auto& entry : std::filesystem::directory_iterator(cases_dir))
        if (entry.path().extension() == ".case") names.push_back(entry.path().stem().string());
    std::sort(names.begin(), names.end());
    return names;
}

class QcCase : public testing::TestWithParam<std::string> {};

TEST_P(QcCase, Run) {
    const Case c = read_case(cases_dir / (GetParam() + ".case"));
    const Rules rules = c.rules_text.empty() ? Rules::defaults() : Rules::parse(c.rules_text, GetParam() + ".case");
    const auto& nomenclature = Nomenclature::builtin();
    auto issues = tessera::qc::check_tile(rules, nomenclature, c.tile, c.features);
    std::vector<Issue> all = issues;
    if (c.neighbour) {
        auto border = tessera::qc::check_border(rules, c.tile, *c.neighbour, c.features, c.across);
        all.insert(all.end(), border.begin(), border.end());
    }

    if (std::getenv("TESSERA_QC_VERBOSE")) std::cout << describe(all);

    // The multiset of (code, features) must be exactly the expected one.
    std::multiset<std::string> want, got;
    for (const auto& e : c.expected) {
        Issue probe;
        probe.code = e.code;
        probe.features = e.features;
        want.insert(probe.key());
    }
    for (const auto& i : all) {
        Issue probe = i;
        probe.detail.clear();
        got.insert(probe.key());
    }
    EXPECT_EQ(want, got) << "issues found:\n" << describe(all);
    for (const auto& e : c.expected) {
        auto it = std::find_if(all.begin(), all.end(), [&](const Issue& i) {
            return i.code == e.code && i.features == e.features &&
                   (!e.area_m2 || std::fabs(i.area_m2 - *e.area_m2) <= 1e-6) &&
                   (!e.severity || i.severity == *e.severity);
        });
        EXPECT_NE(it, all.end()) << "no " << e.code << " issue with the expected area/severity\n" << describe(all);
    }
    for (const auto& i : all) EXPECT_FALSE(i.message.empty()) << i.key();

    // Given the coverage test an import made of the same polygons, the same issues; given one of
    // other polygons (the same in another order), too: it is not taken then.
    std::vector<tessera::geo::RingsCm> polygons;
    for (const auto& f : c.features) {
        auto parts = tessera::geo::polygons_from_wkb(f.wkb);
        polygons.push_back(parts && !parts->empty() ? parts->front() : tessera::geo::RingsCm{});
    }
    const tessera::qc::CoverageAnalysis known(c.tile, polygons);
    expect_same_issues(issues, tessera::qc::check_tile(rules, nomenclature, c.tile, c.features, &known),
                       "check_tile given the coverage test of its polygons");
    std::reverse(polygons.begin(), polygons.end());
    const tessera::qc::CoverageAnalysis other(c.tile, polygons);
    expect_same_issues(issues, tessera::qc::check_tile(rules, nomenclature, c.tile, c.features, &other),
                       "check_tile given the coverage test of its polygons in another order");

    // Incrementally, one feature touched at a time: the same issues involving it, given all the
    // tile's features or only those near it (gaps bordered by features beyond those are left out
    // of the comparison: check_features cannot see them whole).
    for (const auto& f : c.features) {
        std::vector<Issue> expected;
        for (const auto& i : issues)
            if (involves(i, f.id)) expected.push_back(i);
        expect_same_issues(expected,
                           tessera::qc::check_features(rules, nomenclature, c.tile, c.features, {f.id}),
                           "check_features of feature " + std::to_string(f.id) + " given every feature");
        const auto near = neighbourhood(c.features, f.id, 1.0);
        std::set<std::int64_t> near_ids;
        for (const auto& n : near) near_ids.insert(n.id);
        std::vector<Issue> expected_near;
        bool gap_beyond = false;
        for (const auto& i : expected) {
            if (i.code == "gap" && !std::all_of(i.features.begin(), i.features.end(),
                                                [&](std::int64_t id) { return near_ids.count(id) > 0; }))
                gap_beyond = true;
            else
                expected_near.push_back(i);
        }
        auto actual_near = tessera::qc::check_features(rules, nomenclature, c.tile, near, {f.id});
        if (gap_beyond)
            std::erase_if(actual_near, [&](const Issue& i) {
                return i.code == "gap" && std::none_of(expected_near.begin(), expected_near.end(),
                                                       [&](const Issue& e) { return e.key() == i.key(); });
            });
        expect_same_issues(expected_near, actual_near,
                           "check_features of feature " + std::to_string(f.id) + " given its neighbours");
    }
}

INSTANTIATE_TEST_SUITE_P(Qc, QcCase, testing::ValuesIn(case_names()),
                         [](const testing::TestParamInfo<std::string>& param_info) { return param_info.param; });

// --- Rules -----------------------------------------------------------------------------------

TEST(QcRules, DefaultsAreTheProductionRules) {
    const Rules& r = Rules::defaults();
    EXPECT_EQ(r.umc_m2("CS1.1.1.1", false), 200);
    EXPECT_EQ(r.umc_m2("CS1.1.1.1", true), 200);
    EXPECT_EQ(r.umc_m2("CS2.2.1", true), 500);
    EXPECT_EQ(r.umc_m2("CS2.2.1", false), 2500);
    EXPECT_FALSE(r.umc_on_tile_border());
    EXPECT_TRUE(r.is_built_up_class("CS1.1.1.1"));
    EXPECT_TRUE(r.is_built_up_class("CS1.1.1.2"));
    EXPECT_FALSE(r.is_built_up_class("CS2.2.1"));
    EXPECT_EQ(r.built_up_border_share(), 0.5);
    EXPECT_EQ(r.sliver_width_m(), 5);
    EXPECT_EQ(r.confidence_threshold(), 0.6);
    EXPECT_EQ(r.max_vertices(), 100000u);
    for (auto c : {"invalid_geometry", "multipart", "overlap", "gap", "below_mmu", "unknown_code", "non_leaf_code",
                   "unreviewed_low_confidence"})
        EXPECT_EQ(r.severity(c), Severity::blocking) << c;
    for (auto c : {"sliver", "legacy_code", "same_class_neighbours"}) EXPECT_EQ(r.severity(c), Severity::warning) << c;
    EXPECT_EQ(r.incoherent_severity(tessera::qc::Verdict::impossible), Severity::blocking);
    EXPECT_EQ(r.incoherent_severity(tessera::qc::Verdict::suspicious), Severity::warning);
    EXPECT_EQ(r.edge_vertices_severity(), Severity::blocking);
    EXPECT_EQ(r.edge_classes_severity(), Severity::warning);
    ASSERT_NE(r.coherence("CS1.2.3", "US1.1"), nullptr);
    EXPECT_EQ(r.coherence("CS1.2.3", "US1.1")->verdict, tessera::qc::Verdict::impossible);
    ASSERT_NE(r.coherence("CS2.1.1.2", "US4.1.1"), nullptr);
    EXPECT_EQ(r.coherence("CS2.1.1.2", "US4.1.1")->verdict, tessera::qc::Verdict::suspicious);
    EXPECT_EQ(r.coherence("CS2.2.1", "US1.1"), nullptr);
    EXPECT_EQ(r.coherence("CS1.2.2", "US4.1.4"), nullptr);  // water with navigation: plausible
}

TEST(QcRules, CoherenceTableSaysNoOfficialTableExists) {
    std::ifstream in(std::filesystem::path(TESSERA_SOURCE_DIR) / "server/data/qc/coherence.csv");
    std::string first_lines, line;
    for (int i = 0; i < 5 && std::getline(in, line); ++i) first_lines += line + "\n";
    EXPECT_NE(first_lines.find("NO OFFICIAL CS × US COHERENCE TABLE"), std::string::npos) << first_lines;
}

TEST(QcRules, AFileOverridesSomeSettings) {
    const Rules r = Rules::parse("sliver.width_m = 3\n# comment\n\numc.CS2.2.1 = 1000  # hay\n"
                                 "built_up.classes = CS1.1.1.1\nseverity.sliver = blocking\n"
                                 "severity.edge_mismatch = warning\n",
                                 "mine.conf");
    EXPECT_EQ(r.sliver_width_m(), 3);
    EXPECT_EQ(r.umc_m2("CS2.2.1", false), 1000);
    EXPECT_EQ(r.umc_m2("CS1.1.1.1", false), 200);  // untouched default
    EXPECT_FALSE(r.is_built_up_class("CS1.1.1.2"));
    EXPECT_EQ(r.severity("sliver"), Severity::blocking);
    EXPECT_EQ(r.edge_vertices_severity(), Severity::warning);
    EXPECT_EQ(r.confidence_threshold(), 0.6);
}

void expect_rules_error(const std::string& text, const std::string& words, int line) {
    try {
        (void)Rules::parse(text, "test.conf");
        ADD_FAILURE() << "accepted: " << text;
    } catch (const RulesError& e) {
        const std::string message = e.what();
        EXPECT_NE(message.find("test.conf:" + std::to_string(line) + ": "), std::string::npos) << message;
        EXPECT_NE(message.find(words), std::string::npos) << message;
    }
}

TEST(QcRules, RefusesBadSettingsWithFileAndLine) {
    expect_rules_error("sliver.width_m = 5\nsliver.widht_m = 4\n", "unknown setting 'sliver.widht_m'", 2);
    expect_rules_error("\n\nsliver.width_m = five\n", "must be a number", 3);
    expect_rules_error("max_vertices = 1.5\n", "whole number", 1);
    expect_rules_error("umc.inside_built_up = -1\n", "cannot be negative", 1);
    expect_rules_error("umc.CS9.9 = 100\n", "unknown CS code 'CS9.9'", 1);
    expect_rules_error("umc.CS2.1 = 100\n", "not a leaf CS code", 1);
    expect_rules_error("confidence.threshold = 1.2\n", "between 0 and 1", 1);
    expect_rules_error("built_up.border_share = -0.1\n", "between 0 and 1", 1);
    expect_rules_error("severity.gap = fatal\n", "blocking or warning", 1);
    expect_rules_error("severity.no_such_code = warning\n", "unknown setting", 1);
    expect_rules_error("sliver.width_m\n", "expected 'name = value'", 1);
    expect_rules_error("sliver.width_m = 4\nsliver.width_m = 3\n", "already set on line 1", 2);
    expect_rules_error("built_up.classes = CS1.1.1.1 CS1.1\n", "not a leaf CS code", 1);
    expect_rules_error("umc.on_tile_border = maybe\n", "skip or check", 1);
}

void expect_coherence_error(const std::string& csv, const std::string& words, int line) {
    try {
        (void)Rules::parse("", "test.conf", csv, "table.csv");
        ADD_FAILURE() << "accepted: " << csv;
    } catch (const RulesError& e) {
        const std::string message = e.what();
        EXPECT_NE(message.find("table.csv:" + std::to_string(line) + ": "), std::string::npos) << message;
        EXPECT_NE(message.find(words), std::string::npos) << message;
    }
}

TEST(QcRules, RefusesBadCoherenceTablesWithFileAndLine) {
    const std::string header = "# comment\ncode_cs,code_us,verdict,reason\n";
    expect_coherence_error(header + "CS1.2.3,US1.1,impossible,ok\nCS7.7,US1.1,suspicious,why\n",
                           "unknown CS code 'CS7.7'", 4);
    expect_coherence_error(header + "CS1.2.3,US9,impossible,ok\n", "unknown US code 'US9'", 3);
    expect_coherence_error(header + "CS2.1.1,US1.1,suspicious,ok\n", "not a leaf CS code", 3);
    expect_coherence_error(header + "CS2.2.1,US4.1,suspicious,ok\n", "not a leaf US code", 3);
    expect_coherence_error(header + "CS2.2.1,US1.1,forbidden,ok\n", "impossible or suspicious", 3);
    expect_coherence_error(header + "CS2.2.1,US1.1,suspicious,ok\nCS2.2.1,US1.1,impossible,no\n",
                           "already on line 3", 4);
    expect_coherence_error(header + "CS2.2.1,US1.1,suspicious\n", "expected 4 fields", 3);
    expect_coherence_error(header + "CS2.2.1,US1.1,suspicious,\n", "reason", 3);
    expect_coherence_error("cs,us,verdict,reason\n", "header", 1);
    // Legacy US codes may be judged: they are accepted on import.
    const Rules ok = Rules::parse("", "test.conf", header + "CS2.2.1,US2,suspicious,\"old, code\"\n", "table.csv");
    ASSERT_NE(ok.coherence("CS2.2.1", "US2"), nullptr);
    EXPECT_EQ(ok.coherence("CS2.2.1", "US2")->reason, "old, code");
    EXPECT_EQ(ok.coherence_size(), 1u);
}

TEST(QcRules, LoadsFilesAndNamesThemInErrors) {
    const auto dir = std::filesystem::temp_directory_path() / ("tessera_qc_rules_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    {
        std::ofstream(dir / "rules.conf") << "confidence.threshold = 0.8\n";
        std::ofstream(dir / "bad.conf") << "# ok\nconfidence.threshold = 0.8\nsliver.width_m = -2\n";
        std::ofstream(dir / "table.csv") << "code_cs,code_us,verdict,reason\nCS2.2.1,US1.1,suspicious,test\n";
    }
    const Rules r = Rules::load(dir / "rules.conf", dir / "table.csv");
    EXPECT_EQ(r.confidence_threshold(), 0.8);
    EXPECT_EQ(r.coherence_size(), 1u);
    EXPECT_NE(r.coherence("CS2.2.1", "US1.1"), nullptr);
    EXPECT_EQ(Rules::load(dir / "rules.conf").coherence_size(), Rules::defaults().coherence_size());
    try {
        (void)Rules::load(dir / "bad.conf");
        ADD_FAILURE() << "accepted a negative width";
    } catch (const RulesError& e) {
        EXPECT_NE(std::string(e.what()).find((dir / "bad.conf").string() + ":3: "), std::string::npos) << e.what();
    }
    EXPECT_THROW((void)Rules::load(dir / "missing.conf"), RulesError);
    std::filesystem::remove_all(dir);
}

// --- What the case files cannot express ------------------------------------------------------

const Box small_tile{0, 0, 100, 100};

Feature raw_feature(std::int64_t id, const tessera::geo::RingsCm& rings) {
    return Feature{id, "CS2.2.1", "US1.1", tessera::geo::polygon_to_wkb(rings), std::nullopt, false, false};
}

TEST(QcGeometry, UnreadableGeometriesAreInvalidAndLeaveAGap) {
    using tessera::geo::PointCm;
    std::vector<Feature> features;
    features.push_back(raw_feature(1, {{{0, 0}, {10000, 0}, {10000, 5000}, {0, 5000}}}));  // not closed
    features.push_back(raw_feature(2, {{{0, 5000}, {10000, 5000}, {0, 5000}}}));           // 3 points
    features.push_back(Feature{3, "CS2.2.1", "US1.1", "not wkb", std::nullopt, false, false});
    const auto issues = tessera::qc::check_tile(Rules::defaults(), Nomenclature::builtin(), small_tile, features);
    std::vector<std::string> keys;
    for (const auto& i : issues) keys.push_back(i.key());
    const std::vector<std::string> want{"invalid_geometry:1", "invalid_geometry:2", "invalid_geometry:3", "gap:"};
    EXPECT_EQ(keys, want) << describe(issues);
    EXPECT_NE(issues[0].message.find("not closed"), std::string::npos) << issues[0].message;
    EXPECT_NE(issues[1].message.find("fewer than 4"), std::string::npos) << issues[1].message;
    EXPECT_DOUBLE_EQ(issues[3].area_m2, 10000);
}

TEST(QcGeometry, InvalidReasonIsGeosOwnWithTheLocationInMetres) {
    std::vector<Feature> features{Feature{1, "CS2.2.1", "US1.1",
                                          wkb_of("POLYGON((880000 6840000, 880100 6840100, 880100 6840000, "
                                                 "880000 6840100, 880000 6840000))"),
                                          std::nullopt, false, false}};
    const Box tile{880000, 6840000, 880100, 6840100};
    const auto issues = tessera::qc::check_tile(Rules::defaults(), Nomenclature::builtin(), tile, features);
    ASSERT_FALSE(issues.empty());
    EXPECT_EQ(issues[0].code, "invalid_geometry");
    EXPECT_EQ(issues[0].message, "Self-intersection at 880050.00 6840050.00");
    EXPECT_EQ(issues[0].location, (tessera::geo::PointCm{88005000, 684005000}));
}

TEST(QcGeometry, ReadsEwkbWithAnSridAndMultiPolygons) {
    tessera::geo::RingsCm left{{{0, 0}, {5000, 0}, {5000, 10000}, {0, 10000}, {0, 0}}};
    std::vector<Feature> features{
        Feature{1, "CS2.2.1", "US1.1", tessera::geo::polygon_to_wkb(left, 2154), std::nullopt, false, false},
        Feature{2, "CS2.1.1.1", "US1.2", wkb_of("MULTIPOLYGON(((50 0, 100 0, 100 100, 50 100, 50 0)))"), std::nullopt,
                false, false}};
    const auto issues = tessera::qc::check_tile(Rules::defaults(), Nomenclature::builtin(), small_tile, features);
    EXPECT_TRUE(issues.empty()) << describe(issues);
}

TEST(QcGeometry, IssuesComeSortedWithStableKeys) {
    std::vector<Feature> features{
        Feature{7, "CS9", "US9", wkb_of("POLYGON((0 0, 100 0, 100 100, 0 100, 0 0))"), 0.1, true, false}};
    const auto issues = tessera::qc::check_tile(Rules::defaults(), Nomenclature::builtin(), small_tile, features);
    std::vector<std::string> keys;
    for (const auto& i : issues) keys.push_back(i.key());
    EXPECT_EQ(keys, (std::vector<std::string>{"unknown_code:7:CS", "unknown_code:7:US", "unreviewed_low_confidence:7"}));
    for (const auto& i : issues) EXPECT_EQ(i.location, (tessera::geo::PointCm{5000, 5000})) << i.key();
}

}  // namespace
