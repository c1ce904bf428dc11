#include <iostream>

#include "cli.h"

int main(int argc, char** argv) { return livefire::cli::Run(argc, argv, std::cout, std::cerr); }
