using RealtimeMM.Frames;

namespace RealtimeMM.Tests.Frames;

public class FrameTests : TestBase
{
    [Test]
    public void CopyFrom_PaddedStride_CopiesEachRow()
    {
        // 3x2 pixels, stride 16 (7 bytes of padding a row)
        var src = new byte[32];
        for (int i = 0; i < src.Length; i++)
            src[i] = (byte)i;
        using var f = Frame.CopyFrom(src, 3, 2, 16, 0, TimeSpan.Zero);
        Assert.That(f.Stride, Is.EqualTo(9));
        Assert.That(f.Row(0).ToArray(), Is.EqualTo(src[..9]));
        Assert.That(f.Row(1).ToArray(), Is.EqualTo(src[16..25]));
    }

    [Test]
    public void CopyFrom_StrideTooSmall_Throws()
    {
        Assert.That(() => Frame.CopyFrom(new byte[100], 10, 2, 20, 0, TimeSpan.Zero),
            Throws.TypeOf<ArgumentOutOfRangeException>().With.Message.Contains("stride 20"));
    }

    [Test]
    public void Dispose_Twice_IsHarmlessAndPixelsThrow()
    {
        var f = Frame.Allocate(2, 2, 5, TimeSpan.Zero);
        f.Dispose();
        f.Dispose();
        Assert.That(() => f.Pixels.Length, Throws.TypeOf<ObjectDisposedException>().With.Message.Contains("frame 5"));
    }
}
