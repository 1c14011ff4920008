import Foundation

/// Starts `path` with `arguments` (`argv[0]` included) and no blocked or ignored signals, whatever
/// the test runner blocks or ignores: a program under test must see SIGWINCH and Ctrl-C as it
/// would under a shell. The pid, or nil when the program cannot start.
func spawnWithDefaultSignals(
    _ path: String, _ arguments: [String], searchPath: Bool = false,
    actions: inout posix_spawn_file_actions_t
) -> pid_t? {
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    var noSignals = sigset_t()
    sigemptyset(&noSignals)
    posix_spawnattr_setsigmask(&attributes, &noSignals)
    var defaults = sigset_t()
    sigemptyset(&defaults)
    for number in [SIGINT, SIGTERM, SIGHUP, SIGPIPE] { sigaddset(&defaults, number) }
    posix_spawnattr_setsigdefault(&attributes, &defaults)
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
    var cArguments = arguments.map { strdup($0) } + [nil]
    defer {
        for argument in cArguments { free(argument) }
    }
    var pid: pid_t = 0
    let status =
        searchPath
        ? posix_spawnp(&pid, path, &actions, &attributes, &cArguments, environ)
        : posix_spawn(&pid, path, &actions, &attributes, &cArguments, environ)
    return status == 0 ? pid : nil
}
