// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// From what the user named to a book of targets, once the privileges to
// load the probes are known to be there.
#pragma once

#include "session/target_book.h"
#include "targets/resolver.h"

namespace bpfwatch {

// Resolves what the options name (nothing: everything) and checks that the
// probes can load. Throws Error naming what it could not find or lacks.
TargetBook resolve_book(const ResolveOptions &options);

} // namespace bpfwatch
