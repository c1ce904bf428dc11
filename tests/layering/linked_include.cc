// The control for planted_include.cc: the same include compiles when the
// component that owns the header is linked, so the planted failure is the
// include graph at work, not a missing file.
#include "livefire/provision/provisioner.h"

int main() { return 0; }
