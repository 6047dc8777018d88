// The one small error taxonomy of borderlog's core: every rule a record breaks is a FieldError,
// and code that must stop on the first one throws ValidationError.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace borderlog::core {

// One rule broken by one field. `field` is a JSON path such as "traveler.birth_date".
struct FieldError {
    std::string field;
    std::string message;

    bool operator==(const FieldError&) const = default;
};

class ValidationError : public std::runtime_error {
public:
    explicit ValidationError(std::vector<FieldError> errors);
    ValidationError(std::string field, std::string message);

    const std::vector<FieldError>& errors() const noexcept { return errors_; }
    // The first broken rule; what a single-field answer names.
    const FieldError& first() const noexcept { return errors_.front(); }

private:
    std::vector<FieldError> errors_;
};

}  // namespace borderlog::core
