namespace RealtimeMM.Preprocess;

/// <summary>Element type of the output tensor.</summary>
public enum TensorElement
{
    Float32,
    Float16,
}
