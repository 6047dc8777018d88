// Boost.JSON compiled into the fuzz targets themselves (header-only), so that the clang build needs
// no library built by GCC.
#include <boost/json/src.hpp>
