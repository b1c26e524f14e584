// zlib, for reading deflated entries of Lambda deployment packages (Debian: zlib1g-dev).
#include <zlib.h>
