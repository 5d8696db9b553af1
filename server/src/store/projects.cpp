#include "store/projects.hpp"

#include <cmath>
#include <limits>
#include <stdexcept>

#include "store/connection.hpp"
#include "store/detail_copy.hpp"
#include "store/detail_qc_access.hpp"
#include "store/detail_rows.hpp"
#include "store/queries.hpp"

namespace tessera::store {

TileRecord detail::tile_from(const pqxx::row& r, pqxx::row::size_type first) {
    TileRecord t;
    t.key = r[first].as<std::string>();
    t.x_km = r[first + 1].as<int>();
    t.y_km = r[first + 2].as<int>();
    t.state = r[first + 3].as<std::string>();
    t.seq = r[first + 4].as<std::int64_t>();
    t.feature_count = r[first + 5].as<int>();
    return t;
}

namespace {

// A tile as the project's reads select it: the tile's columns, then its mean confidence and
// quality counts.
TileRecord tile_with_quality(const pqxx::row& r) {
    auto t = detail::tile_from(r);
    if (!r[6].is_null()) t.mean_confidence = r[6].as<double>();
    t.qc_blocking = r[7].as<int>();
    t.qc_warnings = r[8].as<int>();
    return t;
}

ProjectRecord project_from(const pqxx::row& r) {
    return ProjectRecord{r[0].as<int>(), r[1].as<std::string>(), r[2].as<int>(), r[3].as<int>(),
                         r[4].as<std::string>()};
}

}  // namespace

std::optional<ProjectRecord> ProjectStore::find(const std::string& name) {
    auto conn = m_db.acquire();
    pqxx::read_transaction tx(conn->pq());
    auto r = tx.exec_prepared(q::project_by_name, name);
    if (r.empty()) return std::nullopt;
    return project_from(r[0]);
}

ProjectRecord ProjectStore::ensure(const std::string& name, int srid, int tile_size_m,
                                   const std::string& imagery_json) {
    auto conn = m_db.acquire();
    pqxx::work tx(conn->pq());
    tx.exec_params(
        "INSERT INTO project (name, srid, tile_size_m, imagery) VALUES ($1, $2, $3, $4::jsonb) "
        "ON CONFLICT (name) DO UPDATE SET imagery = EXCLUDED.imagery",
        name, srid, tile_size_m, imagery_json);
    auto r = tx.exec_prepared(q::project_by_name, name);
    auto p = project_from(r[0]);
    if (p.srid != srid || p.tile_size_m != tile_size_m) {
        throw std::runtime_error("project '" + name + "' exists with EPSG:" + std::to_string(p.srid) + " and " +
                                 std::to_string(p.tile_size_m) + " m tiles, not EPSG:" + std::to_string(srid) +
                                 " and " + std::to_string(tile_size_m) + " m");
    }
    tx.commit();
    return p;
}

ProjectStore::Extent ProjectStore::extent(const ProjectRecord& project) {
    auto conn = m_db.acquire();
    pqxx::read_transaction tx(conn->pq());
    auto r = tx.exec_params1(
        "SELECT count(*), min(x_km), min(y_km), max(x_km), max(y_km) FROM tile WHERE project_id = $1", project.id);
    Extent e;
    e.tiles = r[0].as<std::size_t>();
    if (e.tiles > 0) {
        const double size = project.tile_size_m;
        e.box = tiles::Box{r[1].as<int>() * 1000.0, r[2].as<int>() * 1000.0, r[3].as<int>() * 1000.0 + size,
                           r[4].as<int>() * 1000.0 + size};
    }
    return e;
}

std::vector<TileRecord> ProjectStore::tiles_in(const ProjectRecord& project, const tiles::Box& box,
                                               std::size_t limit) {
    auto conn = m_db.acquire();
    pqxx::read_transaction tx(conn->pq());
    auto r = tx.exec_prepared(q::tiles_in_box, project.id, box.min_x, box.min_y, box.max_x, box.max_y,
                              project.tile_size_m, static_cast<long long>(limit));
    std::vector<TileRecord> out;
    out.reserve(r.size());
    for (const auto& row : r) out.push_back(tile_with_quality(row));
    return out;
}

std::optional<TileRecord> ProjectStore::tile(const ProjectRecord& project, const std::string& key) {
    auto conn = m_db.acquire();
    pqxx::read_transaction tx(conn->pq());
    auto r = tx.exec_prepared(q::tile_by_key, project.id, key);
    if (r.empty()) return std::nullopt;
    return tile_with_quality(r[0]);
}

std::optional<TileSnapshotRecord> ProjectStore::snapshot(const ProjectRecord& project, const std::string& key) {
    auto conn = m_db.acquire();
    pqxx::transaction<pqxx::repeatable_read, pqxx::read_only> tx(conn->pq());
    auto t = tx.exec_prepared(q::tile_by_key, project.id, key);
    if (t.empty()) return std::nullopt;
    TileSnapshotRecord snap;
    snap.tile = tile_with_quality(t[0]);
    auto r = tx.exec_prepared(q::tile_features, project.id, key);
    snap.features.reserve(r.size());
    for (const auto& row : r) {
        FeatureRecord f;
        f.id = row[0].as<std::int64_t>();
        f.version = row[1].as<int>();
        f.code_cs = row[2].as<std::string>();
        f.code_us = row[3].as<std::string>();
        f.wkb = pqxx::binarystring(row[4]).str();
        f.pred_cs = row[5].as<std::string>();
        f.pred_us = row[6].as<std::string>();
        if (!row[7].is_null()) f.pred_confidence = row[7].as<float>();
        f.reviewed = row[8].as<bool>();
        f.updated_at_ms = row[9].as<std::int64_t>();
        snap.features.push_back(std::move(f));
    }
    tx.commit();
    return snap;
}

int ProjectStore::prediction_set(const ProjectRecord& project, const std::string& name, const std::string& source) {
    auto conn = m_db.acquire();
    pqxx::work tx(conn->pq());
    auto r = tx.exec_params1(
        "INSERT INTO prediction_set (project_id, name, source) VALUES ($1, $2, $3) "
        "ON CONFLICT (project_id, name) DO UPDATE SET source = prediction_set.source RETURNING id",
        project.id, name, source);
    tx.commit();
    return r[0].as<int>();
}

std::vector<std::string> ProjectStore::edited_tiles(const ProjectRecord& project,
                                                    const std::vector<std::string>& keys) {
    auto conn = m_db.acquire();
    pqxx::read_transaction tx(conn->pq());
    std::string list = "{";
    for (std::size_t i = 0; i < keys.size(); ++i) list += (i ? "," : "") + keys[i];
    list += "}";
    auto r = tx.exec_params(
        "SELECT t.key FROM tile t WHERE t.project_id = $1 AND t.key = ANY($2::text[]) AND (t.state <> 'todo' "
        "OR EXISTS (SELECT 1 FROM feature f WHERE f.project_id = t.project_id AND f.tile_key = t.key "
        "AND (f.version > 1 OR f.reviewed))) ORDER BY t.key",
        project.id, list);
    std::vector<std::string> out;
    for (const auto& row : r) out.push_back(row[0].as<std::string>());
    return out;
}

std::optional<int> ProjectStore::find_prediction_set(const ProjectRecord& project, const std::string& name) {
    auto conn = m_db.acquire();
    pqxx::read_transaction tx(conn->pq());
    auto r = tx.exec_params("SELECT id FROM prediction_set WHERE project_id = $1 AND name = $2", project.id, name);
    if (r.empty()) return std::nullopt;
    return r[0][0].as<int>();
}

std::vector<std::string> ProjectStore::loaded_tiles(const ProjectRecord& project, int prediction_set_id) {
    auto conn = m_db.acquire();
    pqxx::read_transaction tx(conn->pq());
    auto r = tx.exec_params("SELECT key FROM tile WHERE project_id = $1 AND prediction_set_id = $2 ORDER BY key",
                            project.id, prediction_set_id);
    std::vector<std::string> out;
    for (const auto& row : r) out.push_back(row[0].as<std::string>());
    return out;
}

ProjectStore::IngestRun ProjectStore::begin_ingest(const ProjectRecord& project, const std::string& key,
                                                   const std::string& kind, const std::string& source,
                                                   int prediction_set_id, bool restart) {
    auto conn = m_db.acquire();
    pqxx::work tx(conn->pq());
    auto r = tx.exec_params1(
        "INSERT INTO ingest_run (project_id, key, kind, source, prediction_set_id) VALUES ($1, $2, $3, $4, $5) "
        "ON CONFLICT (project_id, key) DO UPDATE SET source = EXCLUDED.source "
        "RETURNING id, finished_at IS NOT NULL, to_char(started_at, 'YYYY-MM-DD HH24:MI')",
        project.id, key, kind, source, prediction_set_id);
    IngestRun run;
    run.id = r[0].as<int>();
    run.finished = r[1].as<bool>();
    run.started_at = r[2].as<std::string>();
    if (restart) {
        tx.exec_params("DELETE FROM ingest_tile WHERE run_id = $1", run.id);
        tx.exec_params("UPDATE ingest_run SET started_at = now(), finished_at = NULL, report = NULL WHERE id = $1",
                       run.id);
        run.finished = false;
    } else {
        for (const auto& row : tx.exec_params("SELECT tile_key FROM ingest_tile WHERE run_id = $1", run.id))
            run.done.insert(row[0].as<std::string>());
    }
    tx.commit();
    return run;
}

void ProjectStore::finish_ingest(int run_id, const std::string& report_json) {
    auto conn = m_db.acquire();
    pqxx::work tx(conn->pq());
    // Committed with the default synchronous_commit: on disk once this returns, and so are the
    // tiles committed before it (the write-ahead log is flushed in order).
    tx.exec_params("UPDATE ingest_run SET finished_at = now(), report = $2::jsonb WHERE id = $1", run_id, report_json);
    tx.commit();
}

namespace {

// Keys for `n` new features, in increasing order, taken from the features' own sequence.
std::vector<std::int64_t> new_feature_ids(pqxx::work& tx, std::size_t n) {
    const auto r = tx.exec_params("SELECT nextval('feature_id_seq') FROM generate_series(1, $1) ORDER BY 1",
                                  static_cast<long long>(n));
    std::vector<std::int64_t> ids;
    ids.reserve(r.size());
    for (const auto& row : r) ids.push_back(row[0].as<std::int64_t>());
    return ids;
}

// The features, with these keys, and their first version in their history (copied from the rows
// just written: a second COPY would make the database parse every geometry twice).
void copy_features(pqxx::work& tx, const ProjectRecord& project, const std::string& k, int set_id,
                   const std::vector<NewFeature>& features, const std::vector<std::int64_t>& ids) {
    {
        detail::CopyRows copy(tx, "feature",
                              {"id", "project_id", "tile_key", "code_cs", "code_us", "geom", "pred_cs", "pred_us",
                               "pred_confidence", "prediction_set_id"});
        for (std::size_t i = 0; i < features.size(); ++i) {
            const auto& f = features[i];
            copy.number(ids[i]).number(std::int64_t{project.id}).text(k).text(f.code_cs).text(f.code_us).hex(f.ewkb);
            copy.text(f.code_cs).text(f.code_us).number(f.confidence).number(std::int64_t{set_id}).end_row();
        }
        copy.complete();
    }
    tx.exec_params(
        "INSERT INTO feature_history (feature_id, version, project_id, tile_key, code_cs, code_us, geom, reviewed) "
        "SELECT id, version, project_id, tile_key, code_cs, code_us, geom, reviewed FROM feature "
        "WHERE project_id = $1 AND tile_key = $2",
        project.id, k);
}

void copy_beside(pqxx::work& tx, const ProjectRecord& project, const std::string& k, int set_id,
                 const std::vector<NewFeature>& features) {
    tx.exec_params("DELETE FROM prediction_feature WHERE project_id = $1 AND prediction_set_id = $2 AND tile_key = $3",
                   project.id, set_id, k);
    detail::CopyRows copy(tx, "prediction_feature",
                          {"project_id", "prediction_set_id", "tile_key", "code_cs", "code_us", "confidence", "geom"});
    for (const auto& f : features) {
        copy.number(std::int64_t{project.id}).number(std::int64_t{set_id}).text(k).text(f.code_cs).text(f.code_us);
        copy.number(f.confidence).hex(f.ewkb).end_row();
    }
    copy.complete();
}

// The tile's features as the quality controls would read them back just after copy_features.
std::vector<QcFeatureRow> as_written(const std::vector<NewFeature>& features, const std::vector<std::int64_t>& ids) {
    std::vector<QcFeatureRow> rows(features.size());
    for (std::size_t i = 0; i < features.size(); ++i) {
        const auto& f = features[i];
        auto& row = rows[i];
        row.id = ids[i];
        row.code_cs = f.code_cs;
        row.code_us = f.code_us;
        row.wkb = f.ewkb;
        row.reviewed = false;
        row.predicted = true;
        if (f.confidence && std::isfinite(*f.confidence)) row.confidence = *f.confidence;
    }
    return rows;
}

}  // namespace

ProjectStore::Loaded ProjectStore::load_tile(const ProjectRecord& project, const tiles::TileKey& key,
                                             const TileLoad& load, const std::vector<NewFeature>& features,
                                             const std::function<void(QcAccess&, std::int64_t)>& before_commit) {
    auto conn = m_db.acquire();
    pqxx::work tx(conn->pq());
    // A tile's commit does not wait for the disk: what the import has loaded is recorded in the
    // same transaction (ingest_tile), so a tile lost in a crash is loaded again when the import
    // resumes, and the import's last commit (finish_ingest) waits for all of them.
    tx.exec0("SET LOCAL synchronous_commit = off");
    const auto k = key.str();
    tx.exec_params("INSERT INTO tile (project_id, key, x_km, y_km) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
                   project.id, k, key.x_km, key.y_km);
    // The tile's writer lock, as edits take it: imports and edits of one tile are serialised.
    tx.exec_prepared(q::tile_writer_lock, project.id, k);
    auto t = tx.exec_params1("SELECT state::text, seq FROM tile WHERE project_id = $1 AND key = $2", project.id, k);
    const auto edited = tx.exec_params1(
        "SELECT count(*) FROM feature WHERE project_id = $1 AND tile_key = $2 AND (version > 1 OR reviewed)",
        project.id, k)[0].as<long long>();
    const auto record_done = [&](bool beside) {
        if (load.run_id) {
            tx.exec_params("INSERT INTO ingest_tile (run_id, tile_key, polygons, beside) VALUES ($1, $2, $3, $4) "
                           "ON CONFLICT (run_id, tile_key) DO UPDATE SET polygons = EXCLUDED.polygons, "
                           "beside = EXCLUDED.beside, done_at = now()",
                           *load.run_id, k, static_cast<long long>(features.size()), beside);
        }
    };
    if (t[0].as<std::string>() != "todo" || edited > 0) {
        if (!load.beside_if_edited) {
            throw std::runtime_error("tile " + k + " has been edited (state " + t[0].as<std::string>() + ", " +
                                     std::to_string(edited) + " edited features): its features are not replaced");
        }
        copy_beside(tx, project, k, load.prediction_set_id, features);
        tx.exec_params("INSERT INTO event (project_id, tile_key, kind, payload) VALUES ($1, $2, 'prediction_beside', "
                       "jsonb_build_object('features', $3::int, 'prediction_set', $4::int, 'source', $5::text))",
                       project.id, k, static_cast<long long>(features.size()), load.prediction_set_id, load.source);
        record_done(true);
        tx.commit();
        return Loaded::beside;
    }
    tx.exec_params("DELETE FROM feature_history WHERE project_id = $1 AND tile_key = $2", project.id, k);
    tx.exec_params("DELETE FROM feature WHERE project_id = $1 AND tile_key = $2", project.id, k);
    const auto ids = new_feature_ids(tx, features.size());
    copy_features(tx, project, k, load.prediction_set_id, features, ids);
    // The tile's mean confidence, weighted by area: none when no feature has one.
    double area = 0, weighted = 0;
    bool confident = false;
    for (const auto& f : features) {
        area += f.area_m2;
        if (f.confidence && std::isfinite(*f.confidence)) {
            weighted += static_cast<double>(*f.confidence) * f.area_m2;
            confident = true;
        }
    }
    const double mean = confident && area > 0 ? weighted / area : std::numeric_limits<double>::quiet_NaN();
    const auto seq = t[1].as<std::int64_t>() + 1;
    tx.exec_params("UPDATE tile SET seq = $3, prediction_set_id = $4, updated_at = now(), feature_count = $5, "
                   "mean_confidence = nullif($6::float8, 'NaN') WHERE project_id = $1 AND key = $2",
                   project.id, k, seq, load.prediction_set_id, static_cast<long long>(features.size()), mean);
    tx.exec_params("INSERT INTO event (project_id, tile_key, tile_seq, kind, payload) "
                   "VALUES ($1, $2, $3, 'tile_imported', jsonb_build_object('features', $4::int, "
                   "'prediction_set', $5::int, 'source', $6::text))",
                   project.id, k, seq, static_cast<long long>(features.size()), load.prediction_set_id, load.source);
    // The issues of what was there before are gone with it.
    tx.exec_params("DELETE FROM qc_issue WHERE project_id = $1 AND tile_key = $2", project.id, k);
    tx.exec_params("DELETE FROM qc_delta WHERE project_id = $1 AND tile_key = $2", project.id, k);
    tx.exec_params("UPDATE tile SET qc_whole_seq = NULL, qc_blocking = 0, qc_warnings = 0 "
                   "WHERE project_id = $1 AND key = $2",
                   project.id, k);
    if (before_commit) {
        detail::QcAccessImpl qc(tx, project, k);
        qc.preload(as_written(features, ids));
        before_commit(qc, seq);
    }
    record_done(false);
    tx.commit();
    return Loaded::replaced;
}

}  // namespace tessera::store
