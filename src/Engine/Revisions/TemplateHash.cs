using System.Globalization;
using System.Text;
using EventEngine.Model;

namespace EventEngine.Revisions;

/// <summary>
/// The controller-revision-hash of a template: FNV-32a of the canonical template (salted with the collision
/// count when there is one), rendered like rand.SafeEncodeString. It depends on the template alone.
/// </summary>
public static class TemplateHash
{
    private const string Alphanumerics = "bcdfghjklmnpqrstvwxz2456789";

    public static string Compute(PodTemplate template, int collisionCount = 0) =>
        Compute(template.Canonical, collisionCount);

    public static string Compute(string canonical, int collisionCount = 0)
    {
        var hash = Fnv32A(Encoding.UTF8.GetBytes(canonical), 2166136261);
        if (collisionCount > 0) hash = Fnv32A(BitConverter.GetBytes((uint)collisionCount), hash);
        return SafeEncode(hash.ToString(CultureInfo.InvariantCulture));
    }


    private static uint Fnv32A(ReadOnlySpan<byte> data, uint hash)
    {
        foreach (var b in data)
        {
            hash ^= b;
            hash *= 16777619;
        }
        return hash;
    }

    private static string SafeEncode(string s)
    {
        var chars = new char[s.Length];
        for (var i = 0; i < s.Length; i++) chars[i] = Alphanumerics[s[i] % Alphanumerics.Length];
        return new string(chars);
    }
}
