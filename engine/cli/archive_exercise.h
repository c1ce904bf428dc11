#pragma once
// Archiving an exercise of this host (`livefire archive ID`, and `run` once
// an exercise ends): see docs/maturity.md.

#include <string>

#include "cli.h"

namespace livefire::cli {

// <state>/archive.db unless --archive names another.
std::string ArchivePath(const Context& ctx, const std::string& given);

// Measures <state>/exercises/<id> from its log and puts it into the archive
// at db; returns the line to print ("ID: added to DB ...").
Result<std::string> ArchiveExercise(const Context& ctx, const std::string& id,
                                    const std::string& db);

}  // namespace livefire::cli
