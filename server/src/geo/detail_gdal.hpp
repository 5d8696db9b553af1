#pragma once

// What every GDAL reader of the geo module needs: the drivers registered once, GDAL's own
// error output silenced while its errors are turned into ours, and its last message.

#include <mutex>
#include <string>

#include <cpl_error.h>
#include <gdal.h>

namespace tessera::geo::detail {

inline void register_drivers() {
    static std::once_flag once;
    std::call_once(once, [] { GDALAllRegister(); });
}

inline std::string last_gdal_error() {
    const char* msg = CPLGetLastErrorMsg();
    return msg && *msg ? msg : "no reason given by GDAL";
}

// GDAL reports through a per-thread handler stack: quiet it while we turn its errors into ours.
struct QuietErrors {
    QuietErrors() {
        CPLPushErrorHandler(CPLQuietErrorHandler);
        CPLErrorReset();
    }
    ~QuietErrors() { CPLPopErrorHandler(); }
    QuietErrors(const QuietErrors&) = delete;
    QuietErrors& operator=(const QuietErrors&) = delete;
};

}  // namespace tessera::geo::detail
