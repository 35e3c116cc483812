// Protection of the runtime's own binary from the containers it starts (CVE-2019-5736): until a
// container's process execs, it is a copy of this program, and an image whose entry point or
// interpreter is /proc/self/exe would run that binary inside the container and could then
// write to it through the same link. So run and exec first re-execute themselves from a sealed
// in-memory copy of the binary, which nothing can write; /proc/self/exe then names the copy.
#pragma once

namespace hostlet::native {

// Re-executes this program (argv, and the environment as it is) from a sealed copy unless it
// already runs from one: returns true then. Returns false, with errno set, if it cannot.
bool ReexecFromSealedCopy(char* argv[]);

}  // namespace hostlet::native
