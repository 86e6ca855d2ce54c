// `qgate tenant ...`: tenant administration on the catalog database, safe while qgate runs.
#pragma once

namespace qgate::admin {

// argv[0] is "tenant". Returns the process exit code.
int run_tenant_command(int argc, char** argv);

}  // namespace qgate::admin
