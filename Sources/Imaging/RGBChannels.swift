/// The channels of an RGB image: every canvas the model reads ([rgbChannels, height, width] floats)
/// and every image it renders or writes ([height, width, rgbChannels] bytes).
public let rgbChannels = 3
