// Planted on purpose. The model component does not link provision, so this
// include must not resolve: the test Layering.PlantedIncludeOfUnlinkedComponentFails
// builds this file against livefire::engine_model alone and expects the
// compiler to say the header does not exist (docs/architecture.md).
#include "livefire/provision/provisioner.h"

int main() { return 0; }
