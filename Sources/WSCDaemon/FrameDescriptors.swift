#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

/// Which descriptor (SCM_RIGHTS) belongs to which frame of one connection.
///
/// The kernel hands a descriptor to the `recvmsg` that reads the first byte of the `sendmsg` that carried it, but
/// that `recvmsg` may also return bytes sent before it (Linux joins earlier descriptor-less data to it). So the
/// connection never reads across a frame boundary and reads the first byte of every frame alone: a descriptor
/// received with that one byte came with the frame's first byte; one received later in the frame came with a
/// `sendmsg` that began inside the frame. Only the first is bound to the frame; every other case refuses the
/// frame's descriptors, which are closed at once and never handed to another request.
///
/// Not thread-safe: confined to its connection's queue.
struct FrameDescriptors {
    /// What came with one frame.
    enum Binding {
        case none
        case one(Int32)
        /// The descriptors were closed; the frame is answered `badRequest` with this reason.
        case refused(String)
    }

    /// The frame being received.
    private var receiving: Binding = .none
    /// Frames received completely and not yet dispatched, oldest first.
    private var complete: [Binding] = []
    private var head = 0

    /// Descriptors received with a read of the frame being received. `atFrameStart`: the read held the frame's
    /// first byte and nothing else. `truncated`: more descriptors were sent than could be received.
    mutating func received(_ fds: [Int32], truncated: Bool, atFrameStart: Bool) {
        guard !fds.isEmpty || truncated else { return }
        if case .refused = receiving {
            for fd in fds { close(fd) }
            return
        }
        if !atFrameStart {
            refuse(
                fds,
                "a descriptor arrived in the middle of a frame; pass it with the sendmsg that sends the frame's first byte"
            )
        } else if truncated || fds.count > 1 {
            refuse(fds, "more than one descriptor came with the frame; pass exactly one, with the frame's first byte")
        } else {
            receiving = .one(fds[0])
        }
    }

    private mutating func refuse(_ fds: [Int32], _ reason: String) {
        if case .one(let held) = receiving { close(held) }
        for fd in fds { close(fd) }
        receiving = .refused(reason)
    }

    /// The frame being received is complete: what came with it waits for its dispatch.
    mutating func frameCompleted() {
        complete.append(receiving)
        receiving = .none
    }

    /// What came with the oldest complete frame, which is being dispatched now.
    mutating func next() -> Binding {
        guard head < complete.count else { return .none }
        let binding = complete[head]
        head += 1
        if head == complete.count {
            complete.removeAll(keepingCapacity: true)
            head = 0
        }
        return binding
    }

    /// Closes every descriptor still held (the connection is closing).
    mutating func closeAll() {
        for binding in complete[head...] + [receiving] {
            if case .one(let fd) = binding { close(fd) }
        }
        complete.removeAll()
        head = 0
        receiving = .none
    }
}
