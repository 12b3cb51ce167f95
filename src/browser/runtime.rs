//! Runs one client's session lifecycle in a page: owns the core [`Client`], its
//! BroadcastChannel and [`Wakeup`], and the app's event handlers. Every decision is the
//! core's; this only wires browser callbacks to [`Client::tick`] and
//! [`Client::receive_tab_message`] and hands queued events to the handlers.

use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};

use js_sys::Function;

use super::handlers::Handlers;
use super::storage::Stores;
use super::tabs::TabChannel;
use super::timers::Wakeup;
use super::BrowserPlatform;
use crate::core::{
    channel_name, Client, Config, DocumentCache, Error, Event, Platform, StorageFallback,
    StorageMode,
};

/// One client's lifecycle driver. Callbacks hold it weakly: dropping the last strong
/// reference stops the timer, removes the listeners and closes the channel.
pub struct Runtime {
    client: Rc<Client<BrowserPlatform>>,
    handlers: Rc<Handlers>,
    wakeup: Option<Wakeup>,
    mode: StorageMode,
    /// The library's own listeners of the events (the frame bridges), by id: called before
    /// the app's handlers with the core's event.
    taps: RefCell<Vec<(TapId, Tap)>>,
    next_tap: Cell<u32>,
}

/// A handle on a listener added with [`Runtime::tap`].
pub type TapId = u32;

/// A listener of the events added with [`Runtime::tap`].
pub type Tap = Rc<dyn Fn(&Event)>;

impl Runtime {
    /// Makes the client, opens its channel and wake-up, and schedules a first tick on a
    /// microtask (after the caller's synchronous code, so handlers registered right after
    /// construction see the first events).
    ///
    /// Where sessionStorage was asked for but is blocked ([`StorageMode::MemoryFallback`]),
    /// a `storageFallback` event is queued for the app. `handlers` may already hold handlers
    /// the app added before the client started (a `PkceClient.discover` that put its fetch off).
    pub fn start(
        config: Config,
        stores: Stores,
        documents: Rc<DocumentCache>,
        handlers: Rc<Handlers>,
    ) -> Rc<Self> {
        let Stores {
            sessions,
            pending,
            mode,
        } = stores;
        let runtime = Rc::new_cyclic(|weak: &Weak<Runtime>| {
            let w = weak.clone();
            // `shareAcrossTabs: false`: no channel at all (the core posts and reads nothing).
            let channel = config
                .share_across_tabs
                .then(|| {
                    TabChannel::open(&channel_name(&config.client_id), move |text| {
                        if let Some(rt) = w.upgrade() {
                            super::spawn(async move {
                                rt.client.receive_tab_message(&text).await;
                                rt.pump();
                            });
                        }
                    })
                })
                .flatten();
            let w = weak.clone();
            let wakeup = Wakeup::new(move || {
                if let Some(rt) = w.upgrade() {
                    super::spawn(rt.tick());
                }
            })
            .ok();
            let platform = BrowserPlatform::with_channel(channel);
            Runtime {
                client: Rc::new(
                    Client::new(config, platform, sessions, pending).with_document_cache(documents),
                ),
                handlers,
                wakeup,
                mode,
                taps: RefCell::default(),
                next_tap: Cell::new(0),
            }
        });
        if mode == StorageMode::MemoryFallback {
            runtime
                .client
                .push_event(Event::StorageFallback(StorageFallback {
                    requested: "session",
                    actual: "memory",
                }));
        }
        super::spawn(runtime.clone().tick());
        runtime
    }

    /// Where the client keeps its session.
    pub fn storage_mode(&self) -> StorageMode {
        self.mode
    }

    /// The client.
    pub fn client(&self) -> &Rc<Client<BrowserPlatform>> {
        &self.client
    }

    /// Runs whatever is due, then delivers events and re-arms the timer.
    pub async fn tick(self: Rc<Self>) {
        self.client.tick().await;
        // `autoRenew: "silent"`: a hidden-frame renewal where the core would only warn; the
        // warning comes after all when it fails.
        if self.client.take_silent_renewal_due() {
            let options = crate::core::InPageOptions::defaults(true);
            if super::popup::in_page_login(&self.client, None, options)
                .await
                .is_err()
            {
                self.client.silent_renewal_failed();
            }
        }
        self.pump();
    }

    /// Delivers the queued events to the handlers, in order, and re-arms the timer for the
    /// next due step. Call after every operation that may change the session.
    pub fn pump(&self) {
        for event in self.client.take_events() {
            self.dispatch(&event);
        }
        if let Some(w) = &self.wakeup {
            w.arm(self.client.next_wake(), self.client.platform().now_ms());
        }
    }

    fn dispatch(&self, event: &Event) {
        // A snapshot: a tap may add or remove taps.
        let taps: Vec<_> = self.taps.borrow().iter().map(|(_, f)| f.clone()).collect();
        for tap in taps {
            tap(event);
        }
        if let Ok(payload) = super::json_to_js(&event.payload()) {
            self.handlers.emit(event.name(), &payload);
        }
    }

    /// Calls `listener` with each event as it is delivered, before the app's handlers (the
    /// frame bridges push refreshed tokens and logouts this way). Returns its id for
    /// [`Runtime::untap`].
    pub fn tap(&self, listener: Tap) -> TapId {
        let id = self.next_tap.get().wrapping_add(1);
        self.next_tap.set(id);
        self.taps.borrow_mut().push((id, listener));
        id
    }

    /// Removes the listener `id`.
    pub fn untap(&self, id: TapId) {
        // Ids are unique: at most one (no `retain`: one generic instance less).
        let mut taps = self.taps.borrow_mut();
        if let Some(i) = taps.iter().position(|(i, _)| *i == id) {
            taps.remove(i);
        }
    }

    /// Adds `handler` for the event `name` (once: adding it again does nothing).
    pub fn on(&self, name: &str, handler: Function) -> Result<(), Error> {
        self.handlers.on(name, handler)
    }

    /// Removes `handler` from the event `name`.
    pub fn off(&self, name: &str, handler: &Function) -> Result<(), Error> {
        self.handlers.off(name, handler)
    }

    /// The timer's current delay, for tests.
    pub fn armed_delay(&self) -> Option<u64> {
        self.wakeup.as_ref().and_then(Wakeup::armed_delay)
    }
}
