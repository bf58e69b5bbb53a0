// swift-tools-version:6.0
import PackageDescription

/// Release builds of the numeric targets skip exclusivity checks in their hot loops.
let fastMath: [SwiftSetting] = [
    .unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))
]

let package = Package(
    name: "vtv",
    products: [
        .executable(name: "vtv", targets: ["vtv"]),
        /// The pipeline as a library: `import VTV` (docs/api.md).
        .library(name: "VTV", targets: ["VTV"]),
        .executable(name: "TaskVectorStudy", targets: ["TaskVectorStudy"])
    ],
    targets: [
        // C shims: module maps over Debian's system libraries, plus static inline accessors
        // for what Swift cannot import (macros such as MPI_COMM_WORLD or H5T_NATIVE_FLOAT).
        .systemLibrary(
            name: "CMPI", path: "Sources/CMPI", pkgConfig: "ompi",
            providers: [.apt(["libopenmpi-dev", "openmpi-bin"])]),
        .systemLibrary(
            name: "CHDF5", path: "Sources/CHDF5", pkgConfig: "hdf5",
            providers: [.apt(["libhdf5-dev"])]),
        .systemLibrary(
            name: "CBLAS", path: "Sources/CBLAS", pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]),
        // A C target rather than a module map: libjpeg and libpng report errors by longjmp,
        // so the setjmp must live in C (apt: libpng-dev, libjpeg62-turbo-dev).
        .target(
            name: "CImageCodecs", path: "Sources/CImageCodecs",
            linkerSettings: [.linkedLibrary("jpeg"), .linkedLibrary("png16")]),
        // Element-wise kernels cloned per instruction set (AVX-512, AVX2, baseline): Swift here
        // is compiled for baseline x86-64, where these loops vectorize at SSE width only.
        // Optimized in debug builds too: the tests run the MAE's products through them.
        .target(name: "CKernels", path: "Sources/CKernels", cSettings: [.unsafeFlags(["-O3"])]),

        // Swift wrappers: the only modules that import the shims.
        .target(name: "Distributed", dependencies: ["CMPI"]),
        /// Output safety: files staged under temporaries and published whole, outputs checked
        /// against inputs before any work, temporaries removed on signals and after crashes.
        .target(name: "Outputs", dependencies: []),
        .target(name: "Storage", dependencies: ["CHDF5", "Outputs"]),
        /// The one counter-based random stream of model initialisation, prompts and the search policy.
        .target(name: "Randomness", dependencies: []),
        .target(
            name: "Model", dependencies: ["CBLAS", "CKernels", "Storage", "Imaging", "Randomness"],
            swiftSettings: fastMath),
        .target(name: "TorchImport", dependencies: []),
        .target(name: "ModelImport", dependencies: ["Model", "TorchImport"]),
        .target(name: "Imaging", dependencies: ["CImageCodecs", "Outputs"], swiftSettings: fastMath),
        .target(name: "Prompts", dependencies: ["Imaging", "Storage", "Distributed", "Randomness"]),
        .target(name: "Plotting", dependencies: ["Imaging"]),
        .target(
            name: "Search", dependencies: ["Model", "Prompts", "Distributed", "Storage", "Outputs", "Randomness"],
            swiftSettings: fastMath),
        /// The benchmarks (`vtv bench ...`) and the machine check (`vtv doctor`), each one entry point.
        .target(
            name: "Benchmarks",
            dependencies: ["Distributed", "Model", "Prompts", "Search", "Storage", "Imaging", "Randomness"]),
        /// The figures of the pipeline's reports (search curves, probability panels, prediction grids).
        .target(name: "Figures", dependencies: ["Search", "Model", "Imaging", "Plotting"]),
        /// Studies of found task vectors (issue #23): ablation, placement across runs, arithmetic.
        .target(
            name: "Analyses",
            dependencies: ["Search", "Model", "Prompts", "Distributed", "Outputs", "Imaging", "Plotting", "Randomness"]),

        /// The pipeline's stages, each one entry point taking a job and a communicator and
        /// returning a report; every file a stage writes and every collective it makes live here.
        .target(
            name: "Pipeline",
            dependencies: [
                "Distributed", "Storage", "Outputs", "Model", "Imaging", "Prompts", "Search", "Figures", "Plotting",
                "Randomness"
            ],
            /// The embedded default model (DefaultModel.swift, docs/model-card.md).
            resources: [.copy("Resources/vtv-small.h5")]),
        /// The public API: re-exports what a user of the pipeline needs (docs/api.md).
        .target(
            name: "VTV",
            dependencies: [
                "Pipeline", "Analyses", "Distributed", "Storage", "Outputs", "Model", "Imaging", "Prompts", "Search"
            ]),
        .executableTarget(
            name: "vtv",
            dependencies: [
                "Pipeline", "Distributed", "Storage", "Outputs", "Model", "TorchImport", "ModelImport",
                "Imaging", "Prompts", "Search", "Figures", "Analyses", "Benchmarks", "Plotting", "Randomness"
            ]),
        /// A small study that uses only `import VTV`; run by the tests (ExampleTests).
        .executableTarget(name: "TaskVectorStudy", dependencies: ["VTV"], path: "Examples/TaskVectorStudy"),
        /// Exercises every collective with known values; run by the tests under mpirun.
        .executableTarget(name: "MPICheck", dependencies: ["Distributed"]),
        .executableTarget(name: "TorchFuzz", dependencies: ["TorchImport"]),

        .target(name: "TestSupport", dependencies: [], path: "Tests/TestSupport"),
        .testTarget(name: "OutputsTests", dependencies: ["Outputs", "TestSupport"]),
        .testTarget(name: "StorageTests", dependencies: ["Storage", "TestSupport"]),
        .testTarget(name: "DistributedTests", dependencies: ["Distributed", "TestSupport"]),
        .testTarget(name: "CLITests", dependencies: ["TestSupport", "Storage", "Search", "Model", "Analyses"]),
        .testTarget(name: "PipelineTests", dependencies: ["Pipeline", "Distributed", "TestSupport"]),
        .testTarget(name: "ModelTests", dependencies: ["Model", "Storage", "Randomness", "TestSupport"]),
        .testTarget(name: "TorchImportTests", dependencies: ["TorchImport", "TestSupport"]),
        .testTarget(name: "ImagingTests", dependencies: ["Imaging", "TestSupport"]),
        .testTarget(
            name: "PromptsTests", dependencies: ["Prompts", "Imaging", "Storage", "Randomness", "TestSupport"]),
        .testTarget(name: "PlottingTests", dependencies: ["Plotting", "Imaging", "TestSupport"]),
        .testTarget(
            name: "SearchTests",
            dependencies: ["Search", "Model", "Prompts", "Imaging", "Storage", "Randomness", "TestSupport"])
    ],
    swiftLanguageModes: [.v5]
)
