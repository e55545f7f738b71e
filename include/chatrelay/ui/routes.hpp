// The chat page's routes: /, its script and style, and the artifact preview (DESIGN.md §1).
#pragma once

#include <span>

#include "chatrelay/http/router.hpp"
#include "chatrelay/ui/serve.hpp"

namespace chatrelay::ui {

// Every route of the page, its file and policy.
std::span<const Page> pages();

// Adds a GET (and HEAD) route for each page, open to requests without a token: a browser loads
// the page before it can ask for one, and the page's files hold no one's data.
void add_routes(http::Router& router);

}  // namespace chatrelay::ui
