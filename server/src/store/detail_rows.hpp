#pragma once

// Internal to the store module: the rows that several reads select in the same order, decoded
// from column `first` on.

#include <pqxx/pqxx>

#include "store/edit_store.hpp"
#include "store/records.hpp"

namespace tessera::store::detail {

// A feature as the editing path reads it: id, version, code_cs, code_us, WKB, reviewed, pred_cs,
// pred_us, pred_confidence, updated_at (ms), author (edit_store.cpp).
StoredFeature feature_from(const pqxx::row& row, pqxx::row::size_type first = 0);

// A tile: key, x_km, y_km, state, seq, feature_count (projects.cpp).
TileRecord tile_from(const pqxx::row& row, pqxx::row::size_type first = 0);

}  // namespace tessera::store::detail
