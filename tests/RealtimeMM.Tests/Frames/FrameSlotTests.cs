using RealtimeMM.Frames;

namespace RealtimeMM.Tests.Frames;

public class FrameSlotTests : TestBase
{
    static Frame Make(long index) => Frame.Allocate(4, 2, index, TimeSpan.FromMilliseconds(index));

    [Test]
    public void Publish_TwiceBeforeTake_KeepsNewestAndDisposesOlder()
    {
        using var slot = new FrameSlot();
        var first = Make(0);
        slot.Publish(first);
        slot.Publish(Make(1));
        Assert.That(first.IsDisposed, Is.True, "the replaced frame must be disposed");
        Assert.That(slot.TryTake(out var taken), Is.True);
        using (taken)
            Assert.That(taken!.Index, Is.EqualTo(1));
        Assert.That((slot.Published, slot.Dropped), Is.EqualTo((2L, 1L)));
        Assert.That(slot.TryTake(out _), Is.False);
    }

    [Test]
    public async Task TakeAsync_BeforePublish_WaitsForTheFrame()
    {
        using var slot = new FrameSlot();
        var take = slot.TakeAsync().AsTask();
        await Task.Delay(50);
        Assert.That(take.IsCompleted, Is.False);
        slot.Publish(Make(7));
        using var f = await take.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.That(f!.Index, Is.EqualTo(7));
    }

    [Test]
    public async Task TakeAsync_AfterComplete_ReturnsLastFrameThenNull()
    {
        using var slot = new FrameSlot();
        slot.Publish(Make(3));
        slot.Complete();
        using (var f = await slot.TakeAsync())
            Assert.That(f!.Index, Is.EqualTo(3));
        Assert.That(await slot.TakeAsync(), Is.Null);
        Assert.Throws<InvalidOperationException>(() => slot.Publish(Make(4)));
    }

    [Test]
    public void TakeAsync_CompletedWithError_Rethrows()
    {
        using var slot = new FrameSlot();
        slot.Complete(new IOException("camera gone"));
        Assert.That(async () => await slot.TakeAsync(), Throws.TypeOf<IOException>().With.Message.EqualTo("camera gone"));
    }

    [Test]
    public void TakeAsync_Cancelled_Throws()
    {
        using var slot = new FrameSlot();
        using var cts = new CancellationTokenSource(50);
        Assert.That(async () => await slot.TakeAsync(cts.Token), Throws.InstanceOf<OperationCanceledException>());
    }

    [Test]
    public void PublishFromManyThreads_NeverHoldsMoreThanOneFrame()
    {
        using var slot = new FrameSlot();
        long before = Frame.LiveCount;
        Parallel.For(0, 2000, i => slot.Publish(Make(i)));
        Assert.That(Frame.LiveCount - before, Is.EqualTo(1), "only the newest frame may stay alive");
        Assert.That(slot.Published - slot.Dropped, Is.EqualTo(1));
    }
}
