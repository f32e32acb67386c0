// The Unity side of "main thread by default": a component that pumps every live client in
// Update, and shuts the native library down before a domain reload and when the game quits
// (the editor never unloads a native library, so its threads would otherwise outlive the
// scripts). Compiled only inside Unity.
#if UNITY_5_3_OR_NEWER
using UnityEngine;
#if UNITY_EDITOR
using UnityEditor;
#endif

namespace Jiga
{
    /// <summary>
    /// Pumps every <see cref="JigaClient"/> once per frame on the main thread, so tasks complete
    /// and stream events are raised there. Created on demand by the first client (a hidden,
    /// <c>DontDestroyOnLoad</c> object); add it to a scene yourself to control its execution order.
    /// </summary>
    [AddComponentMenu("JIGA/Jiga Dispatcher")]
    [DisallowMultipleComponent]
    public sealed class JigaDispatcher : MonoBehaviour
    {
        private static JigaDispatcher _instance;

        /// <summary>Creates the dispatcher if none runs. Call on the main thread (JigaClient's constructor does).</summary>
        public static void EnsureRunning()
        {
            if (_instance != null || !Application.isPlaying) return;
            var go = new GameObject("JigaDispatcher");
            go.hideFlags = HideFlags.HideInHierarchy;
            DontDestroyOnLoad(go);
            _instance = go.AddComponent<JigaDispatcher>();
        }

        [RuntimeInitializeOnLoadMethod(RuntimeInitializeLoadType.SubsystemRegistration)]
        private static void HookQuitting()
        {
            Application.quitting -= JigaLibrary.Shutdown;
            Application.quitting += JigaLibrary.Shutdown;
        }

        private void Awake()
        {
            if (_instance != null && _instance != this)
            {
                Destroy(this);
                return;
            }
            _instance = this;
        }

        private void Update()
        {
            JigaLibrary.PumpAll();
        }

        private void OnDestroy()
        {
            if (_instance == this) _instance = null;
        }
    }

#if UNITY_EDITOR
    /// <summary>Shuts libjiga down before the editor reloads scripts and when play mode ends.</summary>
    [InitializeOnLoad]
    internal static class JigaEditorLifecycle
    {
        static JigaEditorLifecycle()
        {
            AssemblyReloadEvents.beforeAssemblyReload += JigaLibrary.Shutdown;
            EditorApplication.playModeStateChanged += state =>
            {
                if (state == PlayModeStateChange.ExitingPlayMode) JigaLibrary.Shutdown();
            };
        }
    }
#endif
}
#endif
