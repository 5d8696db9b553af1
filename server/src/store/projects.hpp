#pragma once

// Projects and tiles: the grid a project is cut into, tile states, snapshots of a tile's
// features, and loading predicted features into tiles. Thread-safe (each call takes a pooled
// connection).

#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "store/database.hpp"
#include "store/qc_store.hpp"
#include "store/records.hpp"
#include "tiles/grid.hpp"

namespace tessera::store {

class ProjectStore {
public:
    explicit ProjectStore(Database& db) : m_db(db) {}

    std::optional<ProjectRecord> find(const std::string& name);
    // Creates the project, or checks that the existing one has the same SRID and tile size
    // (throws std::runtime_error otherwise). `imagery_json` replaces the stored imagery settings.
    ProjectRecord ensure(const std::string& name, int srid, int tile_size_m, const std::string& imagery_json);

    struct Extent {
        std::size_t tiles = 0;
        tiles::Box box;  // of the tiles' squares; meaningless when tiles == 0
    };
    Extent extent(const ProjectRecord& project);

    // Tiles of the project overlapping the box, at most `limit`.
    std::vector<TileRecord> tiles_in(const ProjectRecord& project, const tiles::Box& box, std::size_t limit);
    std::optional<TileRecord> tile(const ProjectRecord& project, const std::string& key);
    // The tile and its features, read in one consistent snapshot.
    std::optional<TileSnapshotRecord> snapshot(const ProjectRecord& project, const std::string& key);

    // Creates (or reuses) a prediction set and returns its id.
    int prediction_set(const ProjectRecord& project, const std::string& name, const std::string& source);
    // Tiles that hold features people have edited or reviewed (version > 1 or reviewed), or
    // whose state is no longer `todo`, among `keys`.
    std::vector<std::string> edited_tiles(const ProjectRecord& project, const std::vector<std::string>& keys);
    // The id of a prediction set by name.
    std::optional<int> find_prediction_set(const ProjectRecord& project, const std::string& name);
    // Keys of the tiles already loaded from this prediction set.
    std::vector<std::string> loaded_tiles(const ProjectRecord& project, int prediction_set_id);

    // An import that can be resumed: found by `key` (a digest of the command's input and
    // options) or created. `done` lists the tiles it has already committed; `restart` forgets them.
    struct IngestRun {
        int id = 0;
        std::set<std::string> done;
        bool finished = false;
        std::string started_at;
    };
    IngestRun begin_ingest(const ProjectRecord& project, const std::string& key, const std::string& kind,
                           const std::string& source, int prediction_set_id, bool restart);
    void finish_ingest(int run_id, const std::string& report_json);

    struct TileLoad {
        int prediction_set_id = 0;
        std::string source;
        std::optional<int> run_id;      // the import, told in the tile's transaction that it is done
        bool beside_if_edited = false;  // an edited tile keeps its features and gets the prediction beside
    };
    enum class Loaded { replaced, beside };

    // Loads the predicted features of one tile in one transaction: creates the tile if needed,
    // COPYs the features, records their first version in the history and appends a
    // `tile_imported` event. A tile that people have edited is refused (std::runtime_error), or,
    // with `beside_if_edited`, left as it is while the features go to `prediction_feature`.
    // `before_commit` (when set) runs in the tile's transaction once its features are written,
    // with the tile's new sequence number: the quality controls of the loaded tile.
    Loaded load_tile(const ProjectRecord& project, const tiles::TileKey& key, const TileLoad& load,
                     const std::vector<NewFeature>& features,
                     const std::function<void(QcAccess&, std::int64_t)>& before_commit = {});

private:
    Database& m_db;
};

}  // namespace tessera::store
