#pragma once
// Escaping text for XML and HTML (libvirt domain XML, the HTML report): the
// five characters with a meaning in markup become entities; '&#39;' is valid
// in both languages.

#include <string>
#include <string_view>

namespace livefire {

std::string EscapeMarkup(std::string_view s);

}  // namespace livefire
