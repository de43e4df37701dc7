/**
 * A short, human description of the device behind a session ("Chrome on Android"), read from its
 * User-Agent. Deliberately small: the Account page only needs to tell a customer's own phone from a
 * stranger's laptop, not a full parse, so a few ordered patterns are enough (order matters: Edge,
 * Opera and Samsung Internet also say "Chrome", and Chrome also says "Safari").
 */

export interface Device {
  browser: string | null;
  os: string | null;
  /** "Browser on OS", or whichever of the two is known; null when neither is. */
  label: string | null;
}

const BROWSERS: [RegExp, string][] = [
  [/\bEdg(e|A|iOS)?\//, 'Edge'],
  [/\b(OPR|OPiOS|Opera)\//, 'Opera'],
  [/\bSamsungBrowser\//, 'Samsung Internet'],
  [/\bYaBrowser\//, 'Yandex'],
  [/\b(Firefox|FxiOS)\//, 'Firefox'],
  [/\b(HeadlessChrome|Chrome|CriOS|Chromium)\//, 'Chrome'],
  [/\bVersion\/[\d.]+.*\bSafari\//, 'Safari'],
  [/^curl\//, 'curl'],
];

const SYSTEMS: [RegExp, string][] = [
  [/\bAndroid\b/, 'Android'],
  [/\biPhone\b/, 'iPhone'],
  [/\biPad\b/, 'iPad'],
  [/\bWindows\b/, 'Windows'],
  [/\bCrOS\b/, 'ChromeOS'],
  [/\b(Macintosh|Mac OS X)\b/, 'macOS'],
  [/\bLinux\b/, 'Linux'],
];

const first = (ua: string, table: [RegExp, string][]) => table.find(([re]) => re.test(ua))?.[1] ?? null;

export function describeDevice(userAgent: string | null | undefined): Device {
  const ua = userAgent ?? '';
  const browser = first(ua, BROWSERS);
  const os = first(ua, SYSTEMS);
  const label = browser && os ? `${browser} on ${os}` : (browser ?? os);
  return { browser, os, label };
}

/** What is stored of a User-Agent: at most 200 characters, none when empty. */
export function storedUserAgent(userAgent: string | undefined): string | null {
  const ua = userAgent?.trim();
  return ua ? ua.slice(0, 200) : null;
}
