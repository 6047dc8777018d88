// CSV as every export of the server writes it: RFC 4180, with each cell defused for spreadsheets.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>

namespace borderlog::server::service {

// One cell: quoted when it holds `,` `;` a tab `"` CR or LF; a formula (`=` `+` `-` `@`, tab, CR) is
// defused with a leading apostrophe at the start of the cell and at the start of every field a
// spreadsheet could split it into (after `,` `;` or a tab, spaces before it included), since locale
// spreadsheets split on `;`.
std::string csv_cell(std::string_view value);

// Cells joined by commas, ended by CRLF.
std::string csv_line(std::initializer_list<std::string_view> cells);

}  // namespace borderlog::server::service
