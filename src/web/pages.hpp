// web/pages.hpp — the pages the listener renders itself: the login page, which must work
// without JavaScript (a plain HTML form posting to /login). No inline script or style: the
// Content-Security-Policy allows neither. Its stylesheet is /ui/login.css (served without a
// session), when the UI has one.
#pragma once

#include <string>
#include <string_view>

namespace sealgate::web {

// The login page; `message` (may be empty) is shown above the form, HTML-escaped.
std::string login_page(std::string_view message);

std::string html_escape(std::string_view text);

}  // namespace sealgate::web
