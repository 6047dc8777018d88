#include "core/errors.hpp"

#include <utility>

namespace borderlog::core {

namespace {
std::string describe(const std::vector<FieldError>& errors) {
    if (errors.empty()) return "invalid input";
    return errors.front().field + ": " + errors.front().message;
}
}  // namespace

ValidationError::ValidationError(std::vector<FieldError> errors)
    : std::runtime_error(describe(errors)), errors_(std::move(errors)) {
    if (errors_.empty()) errors_.push_back({"", "invalid input"});
}

ValidationError::ValidationError(std::string field, std::string message)
    : ValidationError(std::vector<FieldError>{{std::move(field), std::move(message)}}) {}

}  // namespace borderlog::core
