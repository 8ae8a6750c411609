#include "web/pages.hpp"

namespace sealgate::web {

std::string html_escape(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (const char c : text) {
        switch (c) {
            case '&':
                out += "&amp;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '"':
                out += "&quot;";
                break;
            case '\'':
                out += "&#39;";
                break;
            default:
                out += c;
        }
    }
    return out;
}

std::string login_page(std::string_view message) {
    std::string page =
        "<!DOCTYPE html>\n"
        "<html lang=\"en\">\n"
        "<head>\n"
        "<meta charset=\"utf-8\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        "<title>sealgate: log in</title>\n"
        // No /favicon.ico request (a 404 in the browser's console); the CSP allows data: images.
        "<link rel=\"icon\" href=\"data:,\">\n"
        "<link rel=\"stylesheet\" href=\"/ui/login.css\">\n"
        "</head>\n"
        "<body class=\"login\">\n"
        "<main>\n"
        "<h1>sealgate</h1>\n";
    if (!message.empty())
        page += "<p class=\"error\" id=\"login-error\" role=\"alert\">" + html_escape(message) +
                "</p>\n";
    page +=
        "<form method=\"post\" action=\"/login\">\n"
        "<label for=\"username\">User name</label>\n"
        "<input id=\"username\" name=\"username\" type=\"text\" autocomplete=\"username\" "
        "required autofocus>\n"
        "<label for=\"password\">Password</label>\n"
        "<input id=\"password\" name=\"password\" type=\"password\" "
        "autocomplete=\"current-password\" required>\n"
        "<button type=\"submit\">Log in</button>\n"
        "</form>\n"
        "</main>\n"
        "</body>\n"
        "</html>\n";
    return page;
}

}  // namespace sealgate::web
