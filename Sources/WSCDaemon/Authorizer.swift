import WSCConfiguration

#if canImport(Glibc)
    @preconcurrency import Glibc
#endif

/// Decides from a peer's credentials whether it may verify, sign or rotate. Group names are resolved when the
/// configuration is loaded; a peer is in a group if it is its primary gid or the peer's user is a listed member.
struct Authorizer: Sendable {
    enum Right: String, Sendable {
        case verify, sign, rotate
    }

    struct Rule: Sendable {
        var anyone: Bool
        var uids: Set<UInt32>
        var gids: Set<UInt32>
        var memberNames: Set<String>
    }

    let verify: Rule
    let sign: Rule
    let rotate: Rule

    init(_ config: DaemonConfiguration.Authorization) {
        verify = Authorizer.rule(uids: config.verifyUIDs, groups: config.verifyGroups)
        sign = Authorizer.rule(uids: config.signUIDs, groups: config.signGroups)
        rotate = Authorizer.rule(uids: config.rotateUIDs, groups: config.rotateGroups)
    }

    static func rule(uids: [UInt32]?, groups: [String]) -> Rule {
        guard let uids else { return Rule(anyone: true, uids: [], gids: [], memberNames: []) }
        var gids = Set<UInt32>()
        var members = Set<String>()
        for group in groups {
            if let gid = UInt32(group) {
                gids.insert(gid)
                continue
            }
            guard let entry = getgrnam(group) else { continue }
            gids.insert(entry.pointee.gr_gid)
            var cursor = entry.pointee.gr_mem
            while let name = cursor?.pointee {
                members.insert(String(cString: name))
                cursor = cursor! + 1
            }
        }
        return Rule(anyone: false, uids: Set(uids), gids: gids, memberNames: members)
    }

    func allows(_ right: Right, _ peer: PeerCredentials) -> Bool {
        let rule: Rule
        switch right {
        case .verify: rule = verify
        case .sign: rule = sign
        case .rotate: rule = rotate
        }
        if rule.anyone || rule.uids.contains(peer.uid) || rule.gids.contains(peer.gid) { return true }
        guard !rule.memberNames.isEmpty, let name = Authorizer.userName(peer.uid) else { return false }
        return rule.memberNames.contains(name)
    }

    /// Whether the peer may do anything at all; a peer allowed nothing is refused as soon as it connects.
    func allowsAnything(_ peer: PeerCredentials) -> Bool {
        allows(.verify, peer) || allows(.sign, peer) || allows(.rotate, peer)
    }

    /// The user name of `uid` (getpwuid_r: safe on any thread).
    static func userName(_ uid: UInt32) -> String? {
        var entry = passwd()
        var result: UnsafeMutablePointer<passwd>?
        var buffer = [CChar](repeating: 0, count: 4096)
        guard getpwuid_r(uid, &entry, &buffer, buffer.count, &result) == 0, result != nil, let name = entry.pw_name
        else {
            return nil
        }
        return String(cString: name)
    }
}
