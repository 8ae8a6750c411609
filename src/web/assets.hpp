// web/assets.hpp — the files of the web UI (the repository's web/ folder), built into the
// binary by cmake/embed_web.cmake: the listener serves them from memory, never from a path on
// disk, so no request can name a file outside them.
#pragma once

#include <optional>
#include <string_view>

namespace sealgate::web {

struct Asset {
    std::string_view content_type;
    std::string_view data;
};

// The file at `path`, relative to web/ ("index.html", "js/app.js"); nullopt for any other.
std::optional<Asset> find_asset(std::string_view path);

}  // namespace sealgate::web
