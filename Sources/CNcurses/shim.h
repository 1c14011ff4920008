// The few ncursesw calls Spotlight's terminal backend makes, as plain functions: Swift cannot
// import curses' macros (COLOR_PAIR, A_BOLD, KEY_*) and, under strict concurrency, its mutable
// globals (stdscr, LINES, COLS). Nothing here holds state of its own.
#ifndef SPOTLIGHT_NCURSES_SHIM_H
#define SPOTLIGHT_NCURSES_SHIM_H

#ifndef _XOPEN_SOURCE_EXTENDED
#define _XOPEN_SOURCE_EXTENDED 1
#endif
#ifndef NCURSES_WIDECHAR
#define NCURSES_WIDECHAR 1
#endif
#include <ncursesw/curses.h>

/// The wheel's buttons: up is button 4; down is button 5 where the ncurses mouse protocol has it.
#ifdef BUTTON5_PRESSED
#define SPL_WHEEL_MASK (BUTTON4_PRESSED | BUTTON5_PRESSED)
#else
#define SPL_WHEEL_MASK BUTTON4_PRESSED
#endif
#include <stdlib.h>
#include <locale.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>
#include <wchar.h>

/// Attribute bits the backend passes to spl_put (Spotlight's own, translated to curses').
enum {
    SPL_BOLD = 1,
    SPL_UNDERLINE = 2,
    SPL_REVERSE = 4,
    SPL_DIM = 8,
    SPL_ITALIC = 16,
};

/// What spl_read_key reports.
enum {
    SPL_NONE = 0,
    SPL_CHARACTER = 1,
    SPL_UP = 2, SPL_DOWN, SPL_LEFT, SPL_RIGHT, SPL_ENTER, SPL_BACKSPACE, SPL_RESIZE, SPL_MOUSE,
    SPL_HOME, SPL_END, SPL_PAGE_UP, SPL_PAGE_DOWN, SPL_OTHER_KEY, SPL_WHEEL_UP, SPL_WHEEL_DOWN,
};

/// On a fatal signal, puts the terminal back before the default action ends the process.
static void spl_restore_and_reraise(int number) {
    endwin();
    signal(number, SIG_DFL);
    raise(number);
}

/// SIGINT, SIGTERM and SIGHUP go to `on_quit`, which only notes them for the UI loop; fatal
/// signals (a Swift trap is SIGILL or SIGTRAP) restore the terminal first. The note lives on the
/// Swift side: a flag defined in this header would be copied into every module that inlines the
/// functions reading it, so the handler would set one copy and the loop read another.
static inline void spl_install_signal_handlers(void (*on_quit)(int)) {
    // A parent may have started us with these blocked (a test harness, a daemon); the explorer
    // needs them: SIGWINCH for resizing, the others to restore the terminal.
    sigset_t needed;
    sigemptyset(&needed);
    sigaddset(&needed, SIGWINCH);
    sigaddset(&needed, SIGINT);
    sigaddset(&needed, SIGTERM);
    sigaddset(&needed, SIGHUP);
    pthread_sigmask(SIG_UNBLOCK, &needed, NULL);
    struct sigaction quit;
    memset(&quit, 0, sizeof quit);
    quit.sa_handler = on_quit;
    sigemptyset(&quit.sa_mask);
    sigaction(SIGINT, &quit, NULL);
    sigaction(SIGTERM, &quit, NULL);
    sigaction(SIGHUP, &quit, NULL);
    int fatal[] = { SIGSEGV, SIGBUS, SIGILL, SIGTRAP, SIGABRT, SIGFPE };
    for (size_t index = 0; index < sizeof fatal / sizeof fatal[0]; index++) {
        struct sigaction crash;
        memset(&crash, 0, sizeof crash);
        crash.sa_handler = spl_restore_and_reraise;
        sigemptyset(&crash.sa_mask);
        crash.sa_flags = SA_RESETHAND;
        sigaction(fatal[index], &crash, NULL);
    }
}

/// Starts curses on the terminal: raw keys (Ctrl-C arrives as a key), no echo, no cursor, arrow
/// keys decoded, clicks reported, colours when the terminal has them. Returns 0 on success.
static inline int spl_start(int use_color) {
    setlocale(LC_ALL, "");
    if (initscr() == NULL) return -1;
    raw();
    noecho();
    nonl();
    keypad(stdscr, TRUE);
    curs_set(0);
    set_escdelay(25);
    mousemask(BUTTON1_PRESSED | BUTTON1_CLICKED | SPL_WHEEL_MASK, NULL);
    mouseinterval(0);
    if (use_color && has_colors()) {
        start_color();
        use_default_colors();
    }
    return 0;
}

/// Starts curses on no terminal at all (output to /dev/null, as an xterm-256color of the given
/// size), for benchmarks of the drawing path. Returns 0 on success.
static inline int spl_start_offscreen(int columns, int rows) {
    setlocale(LC_ALL, "");
    FILE *output = fopen("/dev/null", "w");
    FILE *input = fopen("/dev/null", "r");
    if (output == NULL || input == NULL) return -1;
    if (newterm("xterm-256color", output, input) == NULL) return -1;
    resizeterm(rows, columns);
    start_color();
    use_default_colors();
    return 0;
}

static inline void spl_stop(void) {
    if (!isendwin()) {
        curs_set(1);
        endwin();
    }
}

static inline int spl_lines(void) { return LINES; }
static inline int spl_columns(void) { return COLS; }
static inline int spl_colors(void) { return has_colors() ? COLORS : 0; }
static inline int spl_color_pairs(void) { return has_colors() ? COLOR_PAIRS : 0; }

/// Defines colour pair `pair`; -1 is the terminal's default colour.
static inline int spl_define_pair(int pair, int foreground, int background) {
    return init_extended_pair(pair, foreground, background);
}

/// Writes `count` wide characters at (row, column) in colour pair `pair` with SPL_* attributes.
static inline void spl_put(int row, int column, const wchar_t *text, int count, int pair, unsigned attributes) {
    attr_t curses = A_NORMAL;
    if (attributes & SPL_BOLD) curses |= A_BOLD;
    if (attributes & SPL_UNDERLINE) curses |= A_UNDERLINE;
    if (attributes & SPL_REVERSE) curses |= A_REVERSE;
    if (attributes & SPL_DIM) curses |= A_DIM;
    if (attributes & SPL_ITALIC) curses |= A_ITALIC;
    int extended = pair;
    wattr_set(stdscr, curses, (short)(pair < 32767 ? pair : 0), &extended);
    mvwaddnwstr(stdscr, row, column, text, count);
}

static inline void spl_clear(void) { clearok(stdscr, TRUE); werase(stdscr); }

static inline void spl_present(void) {
    wnoutrefresh(stdscr);
    doupdate();
}

/// Waits up to `timeout_ms` for a key. Returns an SPL_* kind; for SPL_CHARACTER `*character`
/// is the character, for SPL_MOUSE `*row` and `*column` are where the button went down.
static inline int spl_read_key(int timeout_ms, unsigned *character, int *row, int *column) {
    wtimeout(stdscr, timeout_ms);
    wint_t key = 0;
    int kind = wget_wch(stdscr, &key);
    if (kind == ERR) return SPL_NONE;
    if (kind == OK) {
        if (key == '\r' || key == '\n') return SPL_ENTER;
        if (key == 127 || key == 8) return SPL_BACKSPACE;
        *character = (unsigned)key;
        return SPL_CHARACTER;
    }
    switch (key) {
    case KEY_UP: return SPL_UP;
    case KEY_DOWN: return SPL_DOWN;
    case KEY_LEFT: return SPL_LEFT;
    case KEY_RIGHT: return SPL_RIGHT;
    case KEY_ENTER: return SPL_ENTER;
    case KEY_BACKSPACE: return SPL_BACKSPACE;
    case KEY_RESIZE: return SPL_RESIZE;
    case KEY_HOME: return SPL_HOME;
    case KEY_END: return SPL_END;
    case KEY_PPAGE: return SPL_PAGE_UP;
    case KEY_NPAGE: return SPL_PAGE_DOWN;
    case KEY_MOUSE: {
        MEVENT event;
        if (getmouse(&event) != OK) return SPL_NONE;
        *row = event.y;
        *column = event.x;
        if (event.bstate & BUTTON4_PRESSED) return SPL_WHEEL_UP;
#ifdef BUTTON5_PRESSED
        if (event.bstate & BUTTON5_PRESSED) return SPL_WHEEL_DOWN;
#endif
        if (!(event.bstate & (BUTTON1_PRESSED | BUTTON1_CLICKED))) return SPL_NONE;
        return SPL_MOUSE;
    }
    default: return SPL_OTHER_KEY;
    }
}

// terminfo's header defines a macro for every capability (columns, lines, ...), so it comes last.
#include <ncursesw/term.h>

/// Whether $TERM names a terminal the explorer can draw on, asked before curses starts (whose
/// initscr would print "Error opening terminal" and exit): 0 yes; 1 TERM unset or empty; 2 no
/// terminfo entry for it; 3 it cannot move the cursor (TERM=dumb).
static inline int spl_terminal_check(void) {
    const char *term = getenv("TERM");
    if (term == NULL || term[0] == 0) return 1;
    int error = 0;
    if (setupterm(NULL, STDOUT_FILENO, &error) != OK) return 2;
    char *cursor = tigetstr("cup");
    // The entry is left loaded (a few kB): freeing it with del_curterm leaves curses holding
    // a dangling terminal, which crashed the explorer that initscr then started.
    return cursor != NULL && cursor != (char *)-1 ? 0 : 3;
}

#endif
