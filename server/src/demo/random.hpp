#pragma once

// Deterministic randomness for the demo generator: a small seeded generator and hash-based
// noise fields. The standard distributions are implementation-defined, so everything here is
// written out to give identical output for a seed on every platform and library version.
// Pure functions and value types; thread-safe.

#include <cmath>
#include <cstdint>

namespace tessera::demo {

// SplitMix64 finaliser: a strong 64-bit mix, used both as hash and as generator step.
constexpr std::uint64_t mix64(std::uint64_t z) {
    z += 0x9e3779b97f4a7c15ULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

constexpr std::uint64_t hash_combine(std::uint64_t a, std::uint64_t b) { return mix64(a ^ mix64(b)); }

constexpr std::uint64_t hash_combine(std::uint64_t a, std::uint64_t b, std::uint64_t c) {
    return hash_combine(hash_combine(a, b), c);
}

// A uniform double in [0, 1) from 53 bits of a hash.
constexpr double unit_from_bits(std::uint64_t bits) { return static_cast<double>(bits >> 11) * 0x1.0p-53; }

// Seeded sequence. Streams are derived with hash_combine(seed, stream id, index) so that adding a
// draw in one stage never shifts the numbers of another stage.
class Rng {
public:
    explicit Rng(std::uint64_t seed) : m_state(mix64(seed)) {}
    Rng(std::uint64_t seed, std::uint64_t stream, std::uint64_t index = 0)
        : m_state(hash_combine(seed, stream, index)) {}

    std::uint64_t next() {
        m_state += 0x9e3779b97f4a7c15ULL;
        return mix64(m_state);
    }
    double uniform() { return unit_from_bits(next()); }
    double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
    // An integer in [0, n); n > 0.
    std::uint32_t below(std::uint32_t n) { return static_cast<std::uint32_t>(uniform() * n); }
    bool chance(double p) { return uniform() < p; }
    // Roughly normal (Irwin–Hall of four uniforms), mean 0, standard deviation `sd`.
    double normal(double sd) {
        const double s = uniform() + uniform() + uniform() + uniform() - 2.0;
        return s * sd * 1.7320508075688772;  // variance of the sum is 4/12
    }

private:
    std::uint64_t m_state;
};

// Lattice hash in [0, 1) for integer cell coordinates.
inline double lattice(std::int64_t ix, std::int64_t iy, std::uint64_t seed) {
    return unit_from_bits(hash_combine(seed, static_cast<std::uint64_t>(ix) * 0x100000001b3ULL,
                                       static_cast<std::uint64_t>(iy)));
}

// Smooth value noise in [0, 1], one feature per unit: C1 continuous (quintic fade), so the demo's
// warp field made of it has bounded derivatives.
inline double value_noise(double x, double y, std::uint64_t seed) {
    const double fx = std::floor(x), fy = std::floor(y);
    const auto ix = static_cast<std::int64_t>(fx), iy = static_cast<std::int64_t>(fy);
    const double tx = x - fx, ty = y - fy;
    const double u = tx * tx * tx * (tx * (tx * 6 - 15) + 10);
    const double v = ty * ty * ty * (ty * (ty * 6 - 15) + 10);
    const double a = lattice(ix, iy, seed), b = lattice(ix + 1, iy, seed);
    const double c = lattice(ix, iy + 1, seed), d = lattice(ix + 1, iy + 1, seed);
    return (a + (b - a) * u) * (1 - v) + (c + (d - c) * u) * v;
}

// Fractal sum of value noise in [0, 1]; `octaves` halvings of the feature size.
inline double fbm(double x, double y, std::uint64_t seed, int octaves) {
    double sum = 0, amplitude = 1, norm = 0, frequency = 1;
    for (int i = 0; i < octaves; ++i) {
        sum += amplitude * value_noise(x * frequency, y * frequency, seed + static_cast<std::uint64_t>(i) * 7919);
        norm += amplitude;
        amplitude *= 0.5;
        frequency *= 2.0;
    }
    return sum / norm;
}

// Cellular (Worley) noise: one jittered feature point per unit cell. Returns the distance to the
// nearest point (in cell units), the offset from the sample to it and that point's identity,
// used for tree crowns and for field patterns where no parcel geometry exists.
struct Cell {
    double distance = 0;
    double dx = 0, dy = 0;  // nearest point minus sample
    std::uint64_t id = 0;
};

inline Cell worley(double x, double y, std::uint64_t seed) {
    const auto cx = static_cast<std::int64_t>(std::floor(x));
    const auto cy = static_cast<std::int64_t>(std::floor(y));
    Cell best{1e9, 0, 0, 0};
    for (std::int64_t j = cy - 1; j <= cy + 1; ++j) {
        for (std::int64_t i = cx - 1; i <= cx + 1; ++i) {
            const std::uint64_t h = hash_combine(seed, static_cast<std::uint64_t>(i) * 0x9E3779B1ULL,
                                                 static_cast<std::uint64_t>(j));
            const double px = static_cast<double>(i) + unit_from_bits(h);
            const double py = static_cast<double>(j) + unit_from_bits(mix64(h));
            const double d = std::hypot(px - x, py - y);
            if (d < best.distance) best = Cell{d, px - x, py - y, h};
        }
    }
    return best;
}

}  // namespace tessera::demo
