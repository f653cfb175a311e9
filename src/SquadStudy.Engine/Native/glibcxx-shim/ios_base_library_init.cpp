// Provides std::ios_base_library_init() for libLibTorchSharp.so (TorchSharp 0.107) on systems
// whose libstdc++ predates GCC 13 (Debian 12 ships GCC 12). GCC 13 moved the initialisation of
// the standard streams (cout, cerr, ...) out of every translation unit's static ios_base::Init
// object into this one function, which objects built with GCC 13 reference at GLIBCXX_3.4.32.
// libstdc++ 12 still initialises the streams through ios_base::Init, so the function does what
// a GCC 12 translation unit including <iostream> does: construct one ios_base::Init. It is only
// built and linked in by scripts/setup.sh where the system libstdc++ lacks GLIBCXX_3.4.32
// (docs/engine.md, "Loading TorchSharp on Debian 12").
#include <ios>

namespace std
{
void ios_base_library_init()
{
    static ios_base::Init init;
}
}
