// Every user-visible string, in English and Vietnamese. `vi` is typed by the English keys, so
// a missing translation is a type error. Money and dates are formatted for the chosen locale.
import { useApp } from './stores/app';

const en = {
  'app.name': 'Ledgerlink',
  'nav.main': 'Main',
  'nav.dashboard': 'Dashboard',
  'nav.connections': 'Online Synchronizations',
  'nav.settings': 'Settings',
  'nav.skip': 'Skip to content',
  'bridge.connecting': 'Connecting to Ledgerlink…',
  'bridge.offline': 'Ledgerlink is not reachable. Keep the Ledgerlink window (or the npm run serve command) running; this page reconnects by itself.',
  'bridge.offlineShort': 'Not connected to Ledgerlink',
  'bridge.lost': 'The connection to Ledgerlink was lost before it answered. It reconnects by itself; try again in a moment.',
  'bridge.noToken': 'This page was opened without its access key. Open the address that Ledgerlink printed (it ends with #token=…).',
  'common.loading': 'Loading…',
  'common.close': 'Close',
  'common.cancel': 'Cancel',
  'common.back': 'Back',
  'common.continue': 'Continue',
  'common.retry': 'Try again',
  'common.copy': 'Copy',
  'common.copied': 'Copied',
  'common.save': 'Save',
  'common.saved': 'Saved',
  'common.reference': 'Reference: {ref}',
  'common.never': 'never',
  'common.none': 'none',
  'common.yes': 'yes',
  'common.no': 'no',
  'error.title': 'Something went wrong',
  'error.copyFailed': 'Could not copy. Select the text and copy it by hand.',
  'dash.title': 'Dashboard',
  'dash.sync': 'Synchronize Now',
  'dash.syncing': 'Synchronizing…',
  'dash.add': 'Add a Bank Account',
  'dash.empty.title': 'No bank account yet',
  'dash.empty.text': 'Connect a bank to bring its transactions into your ledger. To try Ledgerlink first, add the Demo Bank: it needs no real account (login demo / demo).',
  'dash.empty.demo': 'Add the Demo Bank',
  'dash.bankBalance': 'Bank balance',
  'dash.ledgerBalance': 'Ledger balance',
  'dash.mismatch': 'The ledger differs from the bank by {amount}.',
  'dash.notSynced': 'not synchronized yet',
  'dash.lastSync': 'Last synchronization: {when}',
  'dash.pending': '{n} pending',
  'dash.consentDays': 'Consent ends in {n} days',
  'dash.consentEnded': 'Consent has ended: reconnect',
  'dash.noConnection': 'Not linked to a bank',
  'dash.chart': 'Balance over the last 90 days',
  'dash.chartEmpty': 'No balance history yet.',
  'dash.chartRange': 'From {from} to {to}; lowest {min}, highest {max}.',
  'dash.open': 'Open journal {name}',
  'dash.syncDone': 'Synchronization finished: {stored} new lines.',
  'dash.syncNothing': 'Synchronization finished: nothing new. Some banks refresh only once a day.',
  'dash.syncFailed': '{name}: {message}',
  'state.connected': 'Connected',
  'state.error': 'Error',
  'state.disconnected': 'Disconnected',
  'state.waiting_for_user': 'Waiting for you',
  'state.blocked': 'Blocked',
  'action.mfa': 'Enter the security code: use Fetch Transactions.',
  'action.reconnect': 'Consent needed again: use Reconnect.',
  'action.update_credentials': 'Sign in again: use Update Credentials.',
  'action.reactivate': 'Blocked: use Reactivate with your phone number.',
  'pick.title': 'Add a Bank Account',
  'pick.search': 'Search your bank',
  'pick.searchHint': 'Type a name, a city or a BIC. Accents and word order do not matter.',
  'pick.country': 'Country',
  'pick.allCountries': 'All countries',
  'pick.results': 'Banks',
  'pick.emptyState': 'Start typing to find your bank. Try "Demo" to use the Demo Bank.',
  'pick.noResult': 'No bank matches "{q}". Check the spelling, choose another country, or try fewer words.',
  'pick.offline': 'The bank list cannot be searched while Ledgerlink is not reachable. It comes back as soon as the connection does.',
  'pick.count': '{n} banks found. Use the arrow keys to move, Enter to choose.',
  'pick.beta': 'Beta',
  'pick.betaExplain': 'Beta: this connection is new at the provider and may be less reliable. Check your balances after each synchronization.',
  'pick.history': 'History: up to {n} days',
  'pick.manualOnly': 'Manual synchronization only',
  'pick.via': 'via {provider}',
  'pick.choose': 'Connect {name} via {provider}',
  'phone.title': 'Phone number',
  'phone.label': 'Phone number',
  'phone.hint': 'In international form, e.g. +32 470 12 34 56.',
  'phone.reason': 'Your phone number is used to protect your account: if suspicious activity is detected, requests are blocked until you re-activate with this number.',
  'phone.submit': 'Continue',
  'phone.skip': 'Skip for the Demo Bank (no real money)',
  'consent.title': 'Consent at your bank',
  'consent.starting': 'Preparing the consent page…',
  'consent.waiting': 'Follow the steps in the window of {name}. Ledgerlink continues by itself when you are done.',
  'consent.blocked': 'Your browser blocked the consent window.',
  'consent.blockedHow': 'Allow pop-ups for this page (the icon at the right of the address bar), then press Open the consent page. Or open it in a new tab.',
  'consent.open': 'Open the consent page',
  'consent.openTab': 'Open in a new tab',
  'consent.reopen': 'Open the consent window again',
  'accounts.title': 'Choose the accounts to synchronize',
  'accounts.intro': 'Choose the accounts to bring into Ledgerlink. You can add the others later with Fetch Accounts.',
  'accounts.choose': 'Synchronize {name}',
  'accounts.number': 'Number',
  'accounts.currency': 'Currency',
  'accounts.balance': 'Balance',
  'accounts.journal': 'Journal',
  'accounts.newJournal': 'New journal',
  'accounts.existing': 'Existing journal {name}',
  'accounts.journalName': 'Journal name for {name}',
  'accounts.periodicity': 'Statements for {name}',
  'accounts.journalFor': 'Journal for {name}',
  'accounts.link': 'Synchronize the chosen accounts',
  'accounts.noneChosen': 'Choose at least one account.',
  'accounts.none': 'This bank shows no account for this login.',
  'period.none': 'One per synchronization',
  'period.day': 'Daily',
  'period.week': 'Weekly',
  'period.bimonthly': 'Twice a month',
  'period.month': 'Monthly',
  'progress.title': 'First synchronization',
  'progress.label': 'Synchronization progress',
  'progress.waiting': 'Asking the bank for your transactions…',
  'progress.status': '{pages} pages, {fetched} lines fetched, {stored} stored',
  'progress.done': 'Done: {stored} lines stored.',
  'progress.cancelNote': 'Cancel takes you back to the dashboard; the synchronization carries on in the background.',
  'progress.toDashboard': 'Go to the dashboard',
  'journal.title': 'Journal {name}',
  'journal.statements': 'Statements',
  'journal.lines': 'Lines',
  'journal.pending': 'Pending lines',
  'journal.pendingHint': 'Not yet posted by the bank: they are not in any statement.',
  'journal.noStatements': 'No statement yet.',
  'journal.noLines': 'No line yet.',
  'journal.col.date': 'Date',
  'journal.col.name': 'Name',
  'journal.col.start': 'Start balance',
  'journal.col.end': 'End balance',
  'journal.col.endReal': 'Bank end balance',
  'journal.col.flags': 'Status',
  'journal.col.difference': 'Difference',
  'journal.col.ref': 'Reference',
  'journal.col.partner': 'Partner',
  'journal.col.amount': 'Amount',
  'journal.complete': 'Complete',
  'journal.incomplete': 'Incomplete',
  'journal.valid': 'Valid',
  'journal.invalid': 'Chain broken',
  'journal.differenceFlag': 'Lines disagree with the bank by {amount}: a transaction is missing or doubled.',
  'journal.allLines': 'All lines',
  'journal.lineCount': '{n} lines',
  'journal.detail': 'Line detail',
  'journal.providerIds': 'Provider ids',
  'journal.original': 'Original amount',
  'journal.rate': 'Exchange rate',
  'journal.matchReason': 'Why it was matched',
  'journal.account': 'Account number',
  'journal.kind': 'Kind',
  'journal.chatter': 'Messages',
  'journal.notFound': 'This journal does not exist any more. Go back to the dashboard.',
  'chatter.title': 'Messages',
  'chatter.empty': 'No message yet.',
  'chatter.copyLabel': 'Copy the description and reference',
  'conn.title': 'Online Synchronizations',
  'conn.devOnly': 'This page is shown in developer mode. Turn it on in Settings.',
  'conn.empty': 'No connection yet.',
  'conn.lastRefresh': 'Last refresh: {when}',
  'conn.nextRefresh': 'Next refresh: {when}',
  'conn.autoSync': 'Automatic synchronization',
  'conn.accounts': '{n} accounts',
  'conn.fetchTransactions': 'Fetch Transactions',
  'conn.fetchAccounts': 'Fetch Accounts',
  'conn.reconnect': 'Reconnect',
  'conn.updateCredentials': 'Update Credentials',
  'conn.disconnect': 'Disconnect',
  'conn.reactivate': 'Reactivate',
  'conn.disconnectConfirm': 'Disconnect {name}? The history stays in your ledger; you can reconnect later.',
  'conn.retryAt': 'Next attempt possible: {when}',
  'conn.newAccounts': '{n} accounts not linked yet.',
  'conn.blockedReason': 'Reason: {reason}',
  'settings.title': 'Settings',
  'settings.language': 'Language',
  'settings.theme': 'Theme',
  'settings.theme.system': 'Same as the computer',
  'settings.theme.light': 'Light',
  'settings.theme.dark': 'Dark',
  'settings.developer': 'Developer mode',
  'settings.developerHint': 'Shows Online Synchronizations with every connection.',
  'settings.lockDate': 'Lock date',
  'settings.lockDateHint': 'Nothing is recorded on or before this date. Leave empty to remove it.',
  'settings.periodicity': 'Statement periodicity of new journals',
  'settings.providers': 'Provider keys',
  'settings.providersHint': 'Secret keys are stored in your computer\'s keychain and never shown again.',
  'settings.provider': 'Provider',
  'settings.key': 'Key',
  'settings.value': 'Value',
  'settings.setKey': 'Save the key',
  'settings.stored': 'Stored',
  'notify.waiting_for_user': '{name} waits for you. {action}',
  'notify.blocked': '{name} is blocked: every request is stopped until you re-activate it with your phone number.',
  'notify.consent_expiring': 'The consent of {name} ends in {n} days. Use Reconnect to renew it.',
  'notify.quota_deferred': 'The next synchronization of {name} is postponed to {when} to stay inside the bank\'s request limit.',
  'notify.auto_sync_off': '{name} refuses automatic synchronization: it was switched off. Use Fetch Transactions by hand.',
  'notify.offline': 'No network: synchronization is paused until the network is back.',
  'notify.online': 'The network is back: synchronization resumes.',
  'notify.error': '{message}',
  'notify.dismiss': 'Dismiss this message',
  'notify.region': 'Notifications',
} as const;

export type MessageKey = keyof typeof en;
type Dict = Record<MessageKey, string>;

const vi: Dict = {
  'app.name': 'Ledgerlink',
  'nav.main': 'Chính',
  'nav.dashboard': 'Tổng quan',
  'nav.connections': 'Đồng bộ trực tuyến',
  'nav.settings': 'Cài đặt',
  'nav.skip': 'Chuyển đến nội dung',
  'bridge.connecting': 'Đang kết nối với Ledgerlink…',
  'bridge.offline': 'Không kết nối được với Ledgerlink. Hãy giữ cửa sổ Ledgerlink (hoặc lệnh npm run serve) đang chạy; trang này sẽ tự kết nối lại.',
  'bridge.offlineShort': 'Chưa kết nối với Ledgerlink',
  'bridge.lost': 'Mất kết nối với Ledgerlink trước khi có phản hồi. Trang sẽ tự kết nối lại; vui lòng thử lại sau giây lát.',
  'bridge.noToken': 'Trang này được mở mà không có khóa truy cập. Hãy mở địa chỉ mà Ledgerlink đã in ra (kết thúc bằng #token=…).',
  'common.loading': 'Đang tải…',
  'common.close': 'Đóng',
  'common.cancel': 'Hủy',
  'common.back': 'Quay lại',
  'common.continue': 'Tiếp tục',
  'common.retry': 'Thử lại',
  'common.copy': 'Sao chép',
  'common.copied': 'Đã sao chép',
  'common.save': 'Lưu',
  'common.saved': 'Đã lưu',
  'common.reference': 'Mã tham chiếu: {ref}',
  'common.never': 'chưa bao giờ',
  'common.none': 'không có',
  'common.yes': 'có',
  'common.no': 'không',
  'error.title': 'Đã xảy ra lỗi',
  'error.copyFailed': 'Không sao chép được. Hãy chọn văn bản và sao chép thủ công.',
  'dash.title': 'Tổng quan',
  'dash.sync': 'Đồng bộ ngay',
  'dash.syncing': 'Đang đồng bộ…',
  'dash.add': 'Thêm tài khoản ngân hàng',
  'dash.empty.title': 'Chưa có tài khoản ngân hàng',
  'dash.empty.text': 'Kết nối ngân hàng để đưa giao dịch vào sổ của bạn. Để dùng thử, hãy thêm Ngân hàng Demo: không cần tài khoản thật (đăng nhập demo / demo).',
  'dash.empty.demo': 'Thêm Ngân hàng Demo',
  'dash.bankBalance': 'Số dư ngân hàng',
  'dash.ledgerBalance': 'Số dư sổ sách',
  'dash.mismatch': 'Sổ sách chênh lệch với ngân hàng {amount}.',
  'dash.notSynced': 'chưa đồng bộ',
  'dash.lastSync': 'Lần đồng bộ gần nhất: {when}',
  'dash.pending': '{n} đang chờ',
  'dash.consentDays': 'Ủy quyền hết hạn sau {n} ngày',
  'dash.consentEnded': 'Ủy quyền đã hết hạn: hãy kết nối lại',
  'dash.noConnection': 'Chưa liên kết với ngân hàng',
  'dash.chart': 'Số dư trong 90 ngày qua',
  'dash.chartEmpty': 'Chưa có lịch sử số dư.',
  'dash.chartRange': 'Từ {from} đến {to}; thấp nhất {min}, cao nhất {max}.',
  'dash.open': 'Mở sổ {name}',
  'dash.syncDone': 'Đồng bộ xong: {stored} dòng mới.',
  'dash.syncNothing': 'Đồng bộ xong: không có gì mới. Một số ngân hàng chỉ cập nhật mỗi ngày một lần.',
  'dash.syncFailed': '{name}: {message}',
  'state.connected': 'Đã kết nối',
  'state.error': 'Lỗi',
  'state.disconnected': 'Đã ngắt kết nối',
  'state.waiting_for_user': 'Đang chờ bạn',
  'state.blocked': 'Bị chặn',
  'action.mfa': 'Nhập mã bảo mật: dùng Lấy giao dịch.',
  'action.reconnect': 'Cần ủy quyền lại: dùng Kết nối lại.',
  'action.update_credentials': 'Đăng nhập lại: dùng Cập nhật thông tin đăng nhập.',
  'action.reactivate': 'Bị chặn: dùng Kích hoạt lại với số điện thoại của bạn.',
  'pick.title': 'Thêm tài khoản ngân hàng',
  'pick.search': 'Tìm ngân hàng của bạn',
  'pick.searchHint': 'Nhập tên, thành phố hoặc mã BIC. Dấu và thứ tự từ không quan trọng.',
  'pick.country': 'Quốc gia',
  'pick.allCountries': 'Tất cả quốc gia',
  'pick.results': 'Ngân hàng',
  'pick.emptyState': 'Hãy bắt đầu nhập để tìm ngân hàng. Thử "Demo" để dùng Ngân hàng Demo.',
  'pick.noResult': 'Không có ngân hàng nào khớp với "{q}". Kiểm tra chính tả, chọn quốc gia khác hoặc nhập ít từ hơn.',
  'pick.offline': 'Không thể tìm ngân hàng khi chưa kết nối được với Ledgerlink. Danh sách sẽ trở lại ngay khi có kết nối.',
  'pick.count': 'Tìm thấy {n} ngân hàng. Dùng phím mũi tên để di chuyển, Enter để chọn.',
  'pick.beta': 'Beta',
  'pick.betaExplain': 'Beta: kết nối này còn mới ở nhà cung cấp và có thể kém ổn định. Hãy kiểm tra số dư sau mỗi lần đồng bộ.',
  'pick.history': 'Lịch sử: tối đa {n} ngày',
  'pick.manualOnly': 'Chỉ đồng bộ thủ công',
  'pick.via': 'qua {provider}',
  'pick.choose': 'Kết nối {name} qua {provider}',
  'phone.title': 'Số điện thoại',
  'phone.label': 'Số điện thoại',
  'phone.hint': 'Theo dạng quốc tế, ví dụ +84 912 345 678.',
  'phone.reason': 'Số điện thoại của bạn được dùng để bảo vệ tài khoản: nếu phát hiện hoạt động đáng ngờ, mọi yêu cầu sẽ bị chặn cho đến khi bạn kích hoạt lại bằng số này.',
  'phone.submit': 'Tiếp tục',
  'phone.skip': 'Bỏ qua với Ngân hàng Demo (không có tiền thật)',
  'consent.title': 'Ủy quyền tại ngân hàng',
  'consent.starting': 'Đang chuẩn bị trang ủy quyền…',
  'consent.waiting': 'Hãy làm theo các bước trong cửa sổ của {name}. Ledgerlink sẽ tự tiếp tục khi bạn hoàn tất.',
  'consent.blocked': 'Trình duyệt đã chặn cửa sổ ủy quyền.',
  'consent.blockedHow': 'Hãy cho phép cửa sổ bật lên cho trang này (biểu tượng bên phải thanh địa chỉ), rồi nhấn Mở trang ủy quyền. Hoặc mở trong thẻ mới.',
  'consent.open': 'Mở trang ủy quyền',
  'consent.openTab': 'Mở trong thẻ mới',
  'consent.reopen': 'Mở lại cửa sổ ủy quyền',
  'accounts.title': 'Chọn tài khoản để đồng bộ',
  'accounts.intro': 'Chọn các tài khoản đưa vào Ledgerlink. Bạn có thể thêm các tài khoản khác sau bằng Lấy tài khoản.',
  'accounts.choose': 'Đồng bộ {name}',
  'accounts.number': 'Số tài khoản',
  'accounts.currency': 'Tiền tệ',
  'accounts.balance': 'Số dư',
  'accounts.journal': 'Sổ',
  'accounts.newJournal': 'Sổ mới',
  'accounts.existing': 'Sổ có sẵn {name}',
  'accounts.journalName': 'Tên sổ cho {name}',
  'accounts.periodicity': 'Sao kê cho {name}',
  'accounts.journalFor': 'Sổ cho {name}',
  'accounts.link': 'Đồng bộ các tài khoản đã chọn',
  'accounts.noneChosen': 'Hãy chọn ít nhất một tài khoản.',
  'accounts.none': 'Ngân hàng không hiển thị tài khoản nào cho lần đăng nhập này.',
  'period.none': 'Mỗi lần đồng bộ một sao kê',
  'period.day': 'Hằng ngày',
  'period.week': 'Hằng tuần',
  'period.bimonthly': 'Hai lần mỗi tháng',
  'period.month': 'Hằng tháng',
  'progress.title': 'Đồng bộ lần đầu',
  'progress.label': 'Tiến độ đồng bộ',
  'progress.waiting': 'Đang hỏi ngân hàng về giao dịch của bạn…',
  'progress.status': '{pages} trang, đã lấy {fetched} dòng, đã lưu {stored}',
  'progress.done': 'Hoàn tất: đã lưu {stored} dòng.',
  'progress.cancelNote': 'Hủy sẽ đưa bạn về trang tổng quan; việc đồng bộ vẫn tiếp tục chạy nền.',
  'progress.toDashboard': 'Về trang tổng quan',
  'journal.title': 'Sổ {name}',
  'journal.statements': 'Sao kê',
  'journal.lines': 'Dòng giao dịch',
  'journal.pending': 'Giao dịch đang chờ',
  'journal.pendingHint': 'Ngân hàng chưa ghi sổ: chưa thuộc sao kê nào.',
  'journal.noStatements': 'Chưa có sao kê.',
  'journal.noLines': 'Chưa có dòng nào.',
  'journal.col.date': 'Ngày',
  'journal.col.name': 'Tên',
  'journal.col.start': 'Số dư đầu',
  'journal.col.end': 'Số dư cuối',
  'journal.col.endReal': 'Số dư cuối của ngân hàng',
  'journal.col.flags': 'Trạng thái',
  'journal.col.difference': 'Chênh lệch',
  'journal.col.ref': 'Nội dung',
  'journal.col.partner': 'Đối tác',
  'journal.col.amount': 'Số tiền',
  'journal.complete': 'Đầy đủ',
  'journal.incomplete': 'Chưa đầy đủ',
  'journal.valid': 'Hợp lệ',
  'journal.invalid': 'Chuỗi bị đứt',
  'journal.differenceFlag': 'Các dòng chênh lệch với ngân hàng {amount}: thiếu hoặc trùng một giao dịch.',
  'journal.allLines': 'Tất cả các dòng',
  'journal.lineCount': '{n} dòng',
  'journal.detail': 'Chi tiết dòng',
  'journal.providerIds': 'Mã của nhà cung cấp',
  'journal.original': 'Số tiền gốc',
  'journal.rate': 'Tỷ giá',
  'journal.matchReason': 'Lý do khớp',
  'journal.account': 'Số tài khoản',
  'journal.kind': 'Loại',
  'journal.chatter': 'Tin nhắn',
  'journal.notFound': 'Sổ này không còn tồn tại. Hãy quay về trang tổng quan.',
  'chatter.title': 'Tin nhắn',
  'chatter.empty': 'Chưa có tin nhắn.',
  'chatter.copyLabel': 'Sao chép mô tả và mã tham chiếu',
  'conn.title': 'Đồng bộ trực tuyến',
  'conn.devOnly': 'Trang này hiển thị ở chế độ nhà phát triển. Hãy bật trong Cài đặt.',
  'conn.empty': 'Chưa có kết nối.',
  'conn.lastRefresh': 'Cập nhật gần nhất: {when}',
  'conn.nextRefresh': 'Cập nhật tiếp theo: {when}',
  'conn.autoSync': 'Đồng bộ tự động',
  'conn.accounts': '{n} tài khoản',
  'conn.fetchTransactions': 'Lấy giao dịch',
  'conn.fetchAccounts': 'Lấy tài khoản',
  'conn.reconnect': 'Kết nối lại',
  'conn.updateCredentials': 'Cập nhật thông tin đăng nhập',
  'conn.disconnect': 'Ngắt kết nối',
  'conn.reactivate': 'Kích hoạt lại',
  'conn.disconnectConfirm': 'Ngắt kết nối {name}? Lịch sử vẫn được giữ trong sổ; bạn có thể kết nối lại sau.',
  'conn.retryAt': 'Lần thử tiếp theo có thể vào: {when}',
  'conn.newAccounts': '{n} tài khoản chưa được liên kết.',
  'conn.blockedReason': 'Lý do: {reason}',
  'settings.title': 'Cài đặt',
  'settings.language': 'Ngôn ngữ',
  'settings.theme': 'Giao diện',
  'settings.theme.system': 'Theo máy tính',
  'settings.theme.light': 'Sáng',
  'settings.theme.dark': 'Tối',
  'settings.developer': 'Chế độ nhà phát triển',
  'settings.developerHint': 'Hiển thị trang Đồng bộ trực tuyến với mọi kết nối.',
  'settings.lockDate': 'Ngày khóa sổ',
  'settings.lockDateHint': 'Không ghi nhận gì vào hoặc trước ngày này. Để trống để bỏ.',
  'settings.periodicity': 'Chu kỳ sao kê của sổ mới',
  'settings.providers': 'Khóa nhà cung cấp',
  'settings.providersHint': 'Khóa bí mật được lưu trong kho khóa của máy tính và không bao giờ hiển thị lại.',
  'settings.provider': 'Nhà cung cấp',
  'settings.key': 'Khóa',
  'settings.value': 'Giá trị',
  'settings.setKey': 'Lưu khóa',
  'settings.stored': 'Đã lưu',
  'notify.waiting_for_user': '{name} đang chờ bạn. {action}',
  'notify.blocked': '{name} bị chặn: mọi yêu cầu dừng lại cho đến khi bạn kích hoạt lại bằng số điện thoại.',
  'notify.consent_expiring': 'Ủy quyền của {name} hết hạn sau {n} ngày. Dùng Kết nối lại để gia hạn.',
  'notify.quota_deferred': 'Lần đồng bộ tiếp theo của {name} được lùi đến {when} để nằm trong giới hạn yêu cầu của ngân hàng.',
  'notify.auto_sync_off': '{name} không cho phép đồng bộ tự động: đã tắt. Hãy dùng Lấy giao dịch thủ công.',
  'notify.offline': 'Không có mạng: tạm dừng đồng bộ cho đến khi có mạng trở lại.',
  'notify.online': 'Đã có mạng: tiếp tục đồng bộ.',
  'notify.error': '{message}',
  'notify.dismiss': 'Bỏ qua thông báo này',
  'notify.region': 'Thông báo',
};

export type Locale = 'en' | 'vi';
export const LOCALES: { id: Locale; label: string; tag: string }[] = [
  { id: 'en', label: 'English', tag: 'en-US' },
  { id: 'vi', label: 'Tiếng Việt', tag: 'vi-VN' },
];
const DICTS: Record<Locale, Dict> = { en, vi };

export type Vars = Record<string, string | number>;

export function translate(locale: Locale, key: MessageKey, vars?: Vars): string {
  const s = DICTS[locale][key] ?? en[key];
  if (!vars) return s;
  return s.replace(/\{(\w+)\}/g, (m, name: string) => (name in vars ? String(vars[name]) : m));
}

export function localeTag(locale: Locale): string {
  return LOCALES.find((l) => l.id === locale)?.tag ?? 'en-US';
}

/** Current locale outside React (e.g. the bridge's own error messages). */
export function t(key: MessageKey, vars?: Vars): string {
  return translate(useApp.getState().locale, key, vars);
}

const exponentCache = new Map<string, number>();
/** The currency's ISO 4217 exponent, as Intl knows it (VND 0, EUR 2, KWD 3). */
export function currencyExponent(currency: string): number {
  let e = exponentCache.get(currency);
  if (e === undefined) {
    try {
      e = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
    } catch {
      e = 2;
    }
    exponentCache.set(currency, e);
  }
  return e;
}

/** Integer minor units → exact decimal text ("-12.30", "1500000"), no float arithmetic. */
export function minorToDecimal(minor: number, currency: string): string {
  const exp = currencyExponent(currency);
  const neg = minor < 0;
  const digits = String(Math.abs(Math.trunc(minor)));
  if (exp === 0) return (neg ? '-' : '') + digits;
  const padded = digits.padStart(exp + 1, '0');
  return `${neg ? '-' : ''}${padded.slice(0, -exp)}.${padded.slice(-exp)}`;
}

const moneyFormats = new Map<string, Intl.NumberFormat>();
export function formatMoney(minor: number, currency: string, locale: Locale, signDisplay: 'auto' | 'exceptZero' = 'auto'): string {
  const k = `${locale}|${currency}|${signDisplay}`;
  let f = moneyFormats.get(k);
  if (!f) {
    try {
      f = new Intl.NumberFormat(localeTag(locale), { style: 'currency', currency, signDisplay });
    } catch {
      f = new Intl.NumberFormat(localeTag(locale), { minimumFractionDigits: currencyExponent(currency), signDisplay });
    }
    moneyFormats.set(k, f);
  }
  // Intl formats decimal strings exactly (no conversion through a float).
  return f.format(minorToDecimal(minor, currency) as `${number}`);
}

export function formatNumber(n: number, locale: Locale): string {
  return new Intl.NumberFormat(localeTag(locale)).format(n);
}

/** A calendar date "YYYY-MM-DD" (no time zone shift). */
export function formatDate(date: string, locale: Locale): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) return date;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return new Intl.DateTimeFormat(localeTag(locale), { dateStyle: 'medium', timeZone: 'UTC' }).format(d);
}

/** An instant (UTC ISO string), shown in the computer's time zone. */
export function formatInstant(iso: string | null, locale: Locale): string {
  if (!iso) return translate(locale, 'common.never');
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return new Intl.DateTimeFormat(localeTag(locale), { dateStyle: 'medium', timeStyle: 'short' }).format(d);
}

/** The hook components use: re-renders on a language change. */
export function useI18n() {
  const locale = useApp((s) => s.locale);
  return {
    locale,
    t: (key: MessageKey, vars?: Vars) => translate(locale, key, vars),
    money: (minor: number, currency: string, sign: 'auto' | 'exceptZero' = 'auto') => formatMoney(minor, currency, locale, sign),
    num: (n: number) => formatNumber(n, locale),
    date: (d: string) => formatDate(d, locale),
    instant: (iso: string | null) => formatInstant(iso, locale),
  };
}
