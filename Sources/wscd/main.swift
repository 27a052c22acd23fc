import WSCDaemon

#if canImport(Glibc)
    import Glibc
#endif

exit(DaemonMain.run(CommandLine.arguments))
