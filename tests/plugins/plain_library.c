/* An ordinary shared library, not a hostlet module. */
__attribute__((visibility("default"))) int plain_library_answer(void) { return 42; }
