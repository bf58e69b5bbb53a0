/// The channels of an RGB image: every canvas the model reads ([rgbChannels, height, width] floats)
/// and every image it renders or writes ([height, width, rgbChannels] bytes). Inlinable, so loops
/// in other modules see the constant.
@inlinable public var rgbChannels: Int { 3 }
