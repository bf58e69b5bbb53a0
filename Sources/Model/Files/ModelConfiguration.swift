import Storage

/// One stack of pre-norm transformer blocks (the MAE encoder or decoder).
public struct StackConfiguration: Equatable, Codable, Sendable {
    /// Token width D.
    public var width: Int
    /// Number of blocks (layers l = 0 ..< depth).
    public var depth: Int
    /// Attention heads per block; each head has `width / heads` features.
    public var heads: Int
    /// Hidden width of the MLP.
    public var mlpHidden: Int

    public init(width: Int, depth: Int, heads: Int, mlpHidden: Int) {
        self.width = width
        self.depth = depth
        self.heads = heads
        self.mlpHidden = mlpHidden
    }

    /// Features per head.
    public var headWidth: Int { width / heads }
}

/// The whole MAE-VQGAN model's shape: the MAE transformer (docs/paper.md#model) and its VQGAN.
/// Stored in a model file as attributes of `/config`, under the fixture's names
/// (`image_size`, `enc_dim`, `vq_ch_mult`, ...; see `attributeNames`).
public struct ModelConfiguration: Equatable, Codable, Sendable {
    /// Canvas side in pixels (224).
    public var imageSize: Int
    /// Patch side in pixels (16); the token grid is `imageSize / patchSize` per side.
    public var patchSize: Int
    public var encoder: StackConfiguration
    public var decoder: StackConfiguration
    /// Size of the VQGAN codebook the decoder predicts over.
    public var vocabulary: Int
    /// LayerNorm epsilon of every norm in the transformer.
    public var normEps: Float
    public var vqgan: VQGANConfiguration

    public init(
        imageSize: Int = 224, patchSize: Int = 16, encoder: StackConfiguration,
        decoder: StackConfiguration, vocabulary: Int = 1024, normEps: Float = 1e-6,
        vqgan: VQGANConfiguration
    ) {
        self.imageSize = imageSize
        self.patchSize = patchSize
        self.encoder = encoder
        self.decoder = decoder
        self.vocabulary = vocabulary
        self.normEps = normEps
        self.vqgan = vqgan
    }

    /// The released MAE-VQGAN: ViT-L encoder (24 x 1024, 16 heads), 8 x 512 decoder, taming's
    /// "imagenet f16 1024" VQGAN.
    public static let vitLarge = ModelConfiguration(
        encoder: StackConfiguration(width: 1024, depth: 24, heads: 16, mlpHidden: 4096),
        decoder: StackConfiguration(width: 512, depth: 8, heads: 16, mlpHidden: 2048),
        vqgan: .released)

    /// A small model for tests and smoke runs; keeps the 224 canvas and 14x14 token grid.
    public static let tiny = ModelConfiguration(
        encoder: StackConfiguration(width: 64, depth: 3, heads: 4, mlpHidden: 256),
        decoder: StackConfiguration(width: 32, depth: 2, heads: 4, mlpHidden: 128),
        vocabulary: 64, vqgan: .tiny)

    /// Presets by the names the command line uses.
    public static let presets: [String: ModelConfiguration] = ["vit-large": .vitLarge, "tiny": .tiny]

    /// Tokens per side of the patch grid (14).
    public var grid: Int { imageSize / patchSize }
    /// Patches in the canvas (196).
    public var patchCount: Int { grid * grid }

    /// Problems that make the configuration unusable, in words (empty when valid).
    public var problems: [String] {
        var found: [String] = []
        // Bounds far above any real model, so that a damaged or hostile /config cannot make the
        // arithmetic on it overflow or its allocations exceed memory.
        let sizes = [
            imageSize, patchSize, encoder.width, encoder.depth, encoder.heads, encoder.mlpHidden,
            decoder.width, decoder.depth, decoder.heads, decoder.mlpHidden, vocabulary
        ]
        if imageSize > 4096 || sizes.contains(where: { $0 > 1 << 20 }) {
            return [
                "a size in /config is implausibly large (image_size at most 4096, every other size at most 2^20): "
                    + "\(sizes)"
            ]
        }
        if imageSize <= 0 || patchSize <= 0 || imageSize % patchSize != 0 {
            found.append("image_size \(imageSize) must be a positive multiple of patch_size \(patchSize)")
        } else if grid % 2 != 0 {
            found.append("the token grid (\(grid) per side) must split into four equal quadrants")
        }
        for (name, s) in [("enc", encoder), ("dec", decoder)] {
            if s.width <= 0 || s.depth <= 0 || s.heads <= 0 || s.mlpHidden <= 0 {
                found.append("\(name)_dim, \(name)_depth, \(name)_heads and the MLP width must be positive")
            } else if s.width % s.heads != 0 {
                found.append("\(name)_dim \(s.width) is not divisible by \(name)_heads \(s.heads)")
            }
        }
        if vocabulary <= 0 { found.append("vocab must be positive") }
        if vocabulary != vqgan.codebookSize {
            found.append("vocab \(vocabulary) differs from the VQGAN codebook size \(vqgan.codebookSize)")
        }
        if vqgan.downsampling != patchSize {
            found.append("the VQGAN downsamples by \(vqgan.downsampling), not by patch_size \(patchSize)")
        }
        if !(normEps.isFinite && normEps > 0) { found.append("norm_eps must be a positive number") }
        return found + vqgan.problems
    }
}

/// Errors in a model file's `/config`.
public enum ConfigurationError: Error, CustomStringConvertible, Equatable {
    case missingAttribute(String)
    case wrongAttribute(name: String, found: String, expected: String)
    case invalid([String])
    case unknownPreset(String)

    public var description: String {
        switch self {
        case .missingAttribute(let name):
            // Read from model files and from every file that copies their configuration, so the reader names the file.
            return "/config has no attribute '\(name)', which a model's configuration needs"
        case .wrongAttribute(let name, let found, let expected):
            return "/config attribute '\(name)' is \(found), expected \(expected)"
        case .invalid(let problems):
            return "invalid model configuration: " + problems.joined(separator: "; ")
        case .unknownPreset(let name):
            return "unknown configuration '\(name)'; choose one of "
                + ModelConfiguration.presets.keys.sorted().joined(separator: ", ")
        }
    }
}

extension ModelConfiguration {
    /// The preset called `name` ("vit-large" or "tiny").
    public static func preset(_ name: String) throws -> ModelConfiguration {
        guard let c = presets[name] else { throw ConfigurationError.unknownPreset(name) }
        return c
    }

    /// Attribute names of `/config`. The MLP width is not stored by the published tools: it is
    /// 4x the width, as in every MAE; `mlp_ratio` is written and read when present.
    public static let attributeNames = [
        "image_size", "patch_size", "enc_dim", "enc_depth", "enc_heads", "dec_dim", "dec_depth",
        "dec_heads", "vocab", "vq_ch", "vq_ch_mult", "vq_embed", "vq_res_blocks", "vq_z"
    ]

    /// Reads the configuration from the attributes of `path` (default `config`) under `group`.
    /// Attributes the fixture does not carry take the released model's values: `mlp_ratio` 4,
    /// `norm_eps` 1e-6, `vq_groups` 32, `vq_eps` 1e-6; the codebook size is `vocab`.
    public init(readingAttributesOf path: String = "config", in group: HDF5Group) throws {
        func int(_ name: String) throws -> Int {
            guard group.hasAttribute(name, of: path) else { throw ConfigurationError.missingAttribute(name) }
            let a = try group.attribute(name, of: path)
            guard let v = a.intValue else {
                throw ConfigurationError.wrongAttribute(name: name, found: a.description, expected: "an integer")
            }
            return v
        }
        func optionalDouble(_ name: String, _ fallback: Double) throws -> Double {
            guard group.hasAttribute(name, of: path) else { return fallback }
            let a = try group.attribute(name, of: path)
            guard let v = a.doubleValue else {
                throw ConfigurationError.wrongAttribute(name: name, found: a.description, expected: "a number")
            }
            return v
        }
        /// A number read from the file that must be a whole count: checked before converting to Int,
        /// which traps on NaN, infinities and values beyond Int's range.
        func count(_ value: Double, _ name: String) throws -> Int {
            guard value.isFinite, value == value.rounded(), abs(value) <= Double(1 << 40) else {
                throw ConfigurationError.wrongAttribute(
                    name: name, found: String(value), expected: "a whole number of plausible size")
            }
            return Int(value)
        }
        guard group.hasAttribute("vq_ch_mult", of: path) else {
            throw ConfigurationError.missingAttribute("vq_ch_mult")
        }
        let multAttribute = try group.attribute("vq_ch_mult", of: path)
        guard let chMult = multAttribute.intsValue else {
            throw ConfigurationError.wrongAttribute(
                name: "vq_ch_mult", found: multAttribute.description,
                expected: "a list of integers")
        }
        let ratio = try optionalDouble("mlp_ratio", 4)
        guard ratio.isFinite, ratio > 0, ratio <= 1024 else {
            throw ConfigurationError.wrongAttribute(
                name: "mlp_ratio", found: String(ratio), expected: "a number in (0, 1024]")
        }
        let encoderWidth = try int("enc_dim"), decoderWidth = try int("dec_dim")
        let plausible = -(1 << 40)...1 << 40
        guard plausible.contains(encoderWidth), plausible.contains(decoderWidth) else {
            throw ConfigurationError.invalid(["enc_dim \(encoderWidth) or dec_dim \(decoderWidth) is implausibly large"]
            )
        }
        let vocabulary = try int("vocab")
        let vqgan = VQGANConfiguration(
            ch: try int("vq_ch"), chMult: chMult, resBlocks: try int("vq_res_blocks"),
            zChannels: try int("vq_z"), embedDim: try int("vq_embed"), codebookSize: vocabulary,
            groups: try count(try optionalDouble("vq_groups", 32), "vq_groups"),
            eps: Float(try optionalDouble("vq_eps", 1e-6)))
        self.init(
            imageSize: try int("image_size"), patchSize: try int("patch_size"),
            encoder: StackConfiguration(
                width: encoderWidth, depth: try int("enc_depth"),
                heads: try int("enc_heads"),
                mlpHidden: try count((Double(encoderWidth) * ratio).rounded(), "mlp_ratio")),
            decoder: StackConfiguration(
                width: decoderWidth, depth: try int("dec_depth"),
                heads: try int("dec_heads"),
                mlpHidden: try count((Double(decoderWidth) * ratio).rounded(), "mlp_ratio")),
            vocabulary: vocabulary, normEps: Float(try optionalDouble("norm_eps", 1e-6)), vqgan: vqgan)
        let problems = self.problems
        if !problems.isEmpty { throw ConfigurationError.invalid(problems) }
    }

    /// Writes the configuration as attributes of `path` (default `config`, created if needed).
    /// The MLP width must be a whole multiple of the width, since only the ratio is stored.
    public func writeAttributes(to path: String = "config", in group: HDF5Group) throws {
        let problems = self.problems
        guard problems.isEmpty else { throw ConfigurationError.invalid(problems) }
        guard encoder.mlpHidden * decoder.width == decoder.mlpHidden * encoder.width,
            encoder.mlpHidden % encoder.width == 0
        else {
            throw ConfigurationError.invalid([
                "the encoder and decoder MLP widths must be the same whole multiple of their widths"
            ])
        }
        if !group.exists(path) { _ = try group.createGroup(path) }
        let values: [(String, HDF5Attribute)] = [
            ("image_size", .int(imageSize)), ("patch_size", .int(patchSize)),
            ("enc_dim", .int(encoder.width)), ("enc_depth", .int(encoder.depth)), ("enc_heads", .int(encoder.heads)),
            ("dec_dim", .int(decoder.width)), ("dec_depth", .int(decoder.depth)), ("dec_heads", .int(decoder.heads)),
            ("mlp_ratio", .int(encoder.mlpHidden / encoder.width)), ("vocab", .int(vocabulary)),
            ("norm_eps", .double(Double(normEps))),
            ("vq_ch", .int(vqgan.ch)), ("vq_ch_mult", .ints(vqgan.chMult)), ("vq_embed", .int(vqgan.embedDim)),
            ("vq_res_blocks", .int(vqgan.resBlocks)), ("vq_z", .int(vqgan.zChannels)),
            ("vq_groups", .int(vqgan.groups)), ("vq_eps", .double(Double(vqgan.eps)))
        ]
        for (name, value) in values { try group.setAttribute(name, value, on: path) }
    }
}
