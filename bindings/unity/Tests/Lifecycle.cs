using NUnit.Framework;

namespace Jiga.Tests
{
    /// <summary>Shuts libjiga down after the run, as the JigaDispatcher does when a game quits:
    /// its threads stop (one of them called into managed code for the wake-up test, and Mono
    /// waits for such threads at exit).</summary>
    [SetUpFixture]
    public class Lifecycle
    {
        [TearDown]
        public void ShutDownTheLibrary()
        {
            JigaLibrary.Shutdown();
            Assert.IsFalse(JigaLibrary.IsInitialized);
        }
    }
}
