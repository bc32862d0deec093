namespace RealtimeMM.Capture;

/// <summary>How a recorded source (file, folder, clip) hands out frames. Live sources are paced by the world.</summary>
public enum Pacing
{
    /// <summary>Each frame as soon as it is decoded: for tests, batch work and benchmarks.</summary>
    AsFastAsPossible,
    /// <summary>Each frame when its timestamp comes due, as a camera would deliver it.</summary>
    RealTime,
}
