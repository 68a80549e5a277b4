// Asio, Asio SSL and Beast compiled once, here (separate compilation), instead of in every
// translation unit that includes them: on two cores this saves minutes per build.
#include <boost/asio/impl/src.hpp>
#include <boost/asio/ssl/impl/src.hpp>
#include <boost/beast/src.hpp>
