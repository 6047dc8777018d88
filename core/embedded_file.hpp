// A file compiled into a program (schema migrations), named as it is in the source tree.
#pragma once

#include <string>
#include <vector>

namespace borderlog::core {

struct EmbeddedFile {
    std::string name;
    std::string text;
};

}  // namespace borderlog::core
