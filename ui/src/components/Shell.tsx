// The frame around every signed-in screen: brand, breadcrumbs, search, theme, account.

import { Fragment, useEffect, useState } from "react";
import { PlainHttpBanner } from "./PlainHttpBanner";
import { Link, Outlet } from "react-router";
import { useApp } from "./app-context";
import { CommandPalette, isPaletteShortcut } from "./CommandPalette";
import { Logo } from "./Logo";
import { applyTheme, currentTheme, nextTheme, type Theme } from "./theme";
import { Button } from "./ui";

const THEME_LABEL: Record<Theme, string> = {
  system: "Theme: system",
  dark: "Theme: dark",
  light: "Theme: light",
};
const THEME_ICON: Record<Theme, string> = { system: "◐", dark: "☾", light: "☀" };

export function Shell() {
  const { crumbs, me, logout } = useApp();
  const [searching, setSearching] = useState(false);
  const [theme, setTheme] = useState<Theme>(currentTheme);

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (isPaletteShortcut(event)) {
        event.preventDefault();
        setSearching(true);
      }
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, []);

  const switchTheme = () => {
    const next = nextTheme(theme);
    applyTheme(next);
    setTheme(next);
  };

  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <PlainHttpBanner />
      <header className="topbar">
        <Link to="/" className="brand" aria-label="ZaneOps home">
          <Logo />
          <span className="hide-phone">ZaneOps</span>
        </Link>
        <nav className="crumbs" aria-label="Breadcrumbs">
          {crumbs.map((crumb) => (
            <Fragment key={crumb.to}>
              <span className="sep" aria-hidden>
                /
              </span>
              <Link to={crumb.to}>{crumb.label}</Link>
            </Fragment>
          ))}
        </nav>
        <div className="spacer" />
        <button
          type="button"
          className="search-trigger"
          onClick={() => setSearching(true)}
          aria-label="Search (Ctrl+K)"
        >
          <span aria-hidden>⌕</span>
          <span className="label">Search…</span>
          <kbd>Ctrl K</kbd>
        </button>
        <Button
          variant="ghost"
          className="icon"
          onClick={switchTheme}
          aria-label={THEME_LABEL[theme]}
          title={THEME_LABEL[theme]}
        >
          {THEME_ICON[theme]}
        </Button>
        <Link
          to="/servers"
          className="btn ghost small"
          title="Each server's usage, the heaviest services"
        >
          Servers
        </Link>
        <Link to="/backups" className="btn ghost small" title="Every database's backups">
          Backups
        </Link>
        <Link to="/notifications" className="btn ghost small" title="Where failures are told">
          Notifications
        </Link>
        <Link
          to="/backup-targets"
          className="btn ghost small"
          title="S3-compatible stores for databases' backups"
        >
          Backup targets
        </Link>
        <Link to="/ssh-hosts" className="btn ghost small" title="Git servers' pinned SSH keys">
          SSH hosts
        </Link>
        <Link to="/account" className="btn ghost small" title={`Signed in as ${me.username}`}>
          {me.username}
        </Link>
        <Button
          variant="ghost"
          small
          onClick={() => void logout()}
          title={`Signed in as ${me.username}`}
        >
          Log out
        </Button>
      </header>
      <main className="main" id="main" tabIndex={-1}>
        <Outlet />
      </main>
      {searching ? <CommandPalette onClose={() => setSearching(false)} /> : null}
    </>
  );
}
