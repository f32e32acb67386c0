// Outside Unity (the Mono tests) the attributes Unity's stripping and IL2CPP look for do not
// exist; these stand-ins keep the same source compiling. Unity matches them by name.
#if !UNITY_5_3_OR_NEWER
using System;

namespace UnityEngine.Scripting
{
    /// <summary>Keeps a type or member from being stripped (Unity's own attribute in Unity).</summary>
    [AttributeUsage(AttributeTargets.All, Inherited = false)]
    public sealed class PreserveAttribute : Attribute
    {
    }
}

namespace AOT
{
    /// <summary>Marks a static method native code may call (IL2CPP); unused by the default path.</summary>
    [AttributeUsage(AttributeTargets.Method)]
    public sealed class MonoPInvokeCallbackAttribute : Attribute
    {
        public MonoPInvokeCallbackAttribute(Type type) { Type = type; }
        public Type Type { get; private set; }
    }
}
#endif
